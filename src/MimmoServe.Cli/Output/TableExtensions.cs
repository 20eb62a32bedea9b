using Spectre.Console;
using Spectre.Console.Rendering;

namespace MimmoServe.Cli.Output;

/// <summary>Rows of plain text: cells such as shapes (<c>[1, 28, 28]</c>) and labels are not markup.</summary>
internal static class TableExtensions
{
    public static Table AddTextRow(this Table table, params string[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)));
}
