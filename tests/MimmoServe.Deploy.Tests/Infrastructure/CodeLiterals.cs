using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>
/// The string literals and string constants compiled into the MimmoServe assemblies next to the tests, each also with
/// its dots as underscores: where a name the deployment files use (a metric) must appear when the server defines it.
/// </summary>
internal static class CodeLiterals
{
    private static readonly Lazy<HashSet<string>> LazyAll = new(ReadAll);

    public static IReadOnlySet<string> All => LazyAll.Value;

    private static HashSet<string> ReadAll()
    {
        var strings = new HashSet<string>(StringComparer.Ordinal);
        var assemblies = Directory.GetFiles(AppContext.BaseDirectory, "MimmoServe.*.dll")
            .Where(p => !Path.GetFileName(p).StartsWith("MimmoServe.Deploy.Tests", StringComparison.Ordinal));
        foreach (var path in assemblies)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var metadata = pe.GetMetadataReader();
            var first = metadata.GetHeapSize(HeapIndex.UserString) > 1 ? MetadataTokens.UserStringHandle(1) : default;
            for (var handle = first; !handle.IsNil; handle = metadata.GetNextHandle(handle))
            {
                Add(metadata.GetUserString(handle));
            }

            for (var row = 1; row <= metadata.GetTableRowCount(TableIndex.Constant); row++)
            {
                var constant = metadata.GetConstant(MetadataTokens.ConstantHandle(row));
                if (constant.TypeCode == ConstantTypeCode.String)
                {
                    var blob = metadata.GetBlobReader(constant.Value);
                    Add(blob.ReadUTF16(blob.Length));
                }
            }
        }

        return strings;

        void Add(string literal)
        {
            strings.Add(literal);
            strings.Add(literal.Replace('.', '_'));
        }
    }
}
