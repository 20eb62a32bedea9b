using System.Globalization;
using MimmoServe.Protocol;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Where a request may leave a staged (early-exit) model, from the <c>x-mimmo-exit</c> header or config.json's
/// <c>exit_policy</c>: <c>auto</c>, <c>full</c> or a confidence threshold t in (0, 1] (models/CONTRACT.md, "Serving a
/// staged model"). Parsed here only, for both. A model that is not staged accepts only <c>full</c>.
/// </summary>
/// <param name="Kind">Auto, full or threshold.</param>
/// <param name="Threshold">t for <see cref="ExitPolicyKind.Threshold"/>; 0 otherwise.</param>
public readonly record struct ExitPolicy(ExitPolicyKind Kind, float Threshold)
{
    public static readonly ExitPolicy Auto = new(ExitPolicyKind.Auto, 0);

    public static readonly ExitPolicy Full = new(ExitPolicyKind.Full, 0);

    /// <summary>The policy of a request without a header, when config.json sets none: auto for a staged model, else full.</summary>
    public static ExitPolicy DefaultFor(ModelContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.Stages is null ? Full : Auto;
    }

    /// <summary>Parses <c>auto</c>, <c>full</c> (any case, surrounding blanks ignored) or a number t with 0 &lt; t &lt;= 1.</summary>
    public static bool TryParse(string? text, out ExitPolicy policy)
    {
        var value = text.AsSpan().Trim();
        if (value.Equals(ExitHeader.Auto, StringComparison.OrdinalIgnoreCase))
        {
            policy = Auto;
            return true;
        }

        if (value.Equals(ExitHeader.Full, StringComparison.OrdinalIgnoreCase))
        {
            policy = Full;
            return true;
        }

        if (double.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var t) && t > 0 && t <= 1)
        {
            policy = new ExitPolicy(ExitPolicyKind.Threshold, (float)t);
            return true;
        }

        policy = default;
        return false;
    }

    /// <summary>The request's policy: the header when present, else <paramref name="defaultPolicy"/>.</summary>
    /// <exception cref="ServingException">InvalidArgument: a header that is no policy, or not <c>full</c> on a model that is not staged.</exception>
    public static ExitPolicy Resolve(ModelContract contract, ExitPolicy defaultPolicy, string? header)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (string.IsNullOrWhiteSpace(header))
        {
            return defaultPolicy;
        }

        if (!TryParse(header, out var policy))
        {
            throw ServingErrors.BadExitPolicy(header, contract.Stages is not null);
        }

        return contract.Stages is null && policy.Kind != ExitPolicyKind.Full ? throw ServingErrors.BadExitPolicy(header, staged: false) : policy;
    }

    /// <summary>As the header spells it: auto, full or the threshold (shortest round-trip form).</summary>
    public override string ToString() => Kind switch
    {
        ExitPolicyKind.Auto => ExitHeader.Auto,
        ExitPolicyKind.Full => ExitHeader.Full,
        _ => Threshold.ToString("R", CultureInfo.InvariantCulture),
    };
}
