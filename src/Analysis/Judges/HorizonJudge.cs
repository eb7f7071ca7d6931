using System.Globalization;

namespace Geode.Analysis.Judges;

/// <summary>
/// A judge that reads only the first <see cref="Horizon"/> characters of a response (after the
/// same normalisation and trimming every text judge applies), as the field's tools judge a short
/// opening. Its verdicts can therefore settle on compliant text too: once a response is longer
/// than the horizon, nothing after it counts.
/// </summary>
/// <remarks>
/// The horizon is part of the version (<c>1+first400</c>), so verdicts made with and without one
/// are never mixed up. DESIGN §1.1 warns that short generations hide late refusals; a horizon is a
/// choice a campaign makes in the open, not a default.
/// </remarks>
public sealed class HorizonJudge : ISettlingJudge
{
    // Decoding a few more tokens can still change the last characters of a prefix (a word piece
    // joins the word before it): the horizon counts as reached only this far past it.
    private const int DecodeMargin = 16;

    private readonly IResponseJudge _inner;

    /// <summary>Wraps <paramref name="inner"/> so that it reads the first <paramref name="horizon"/> characters only.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The horizon is not positive.</exception>
    public HorizonJudge(IResponseJudge inner, int horizon)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizon);
        _inner = inner;
        Horizon = horizon;
        Version = string.Create(CultureInfo.InvariantCulture, $"{inner.Version}+first{horizon}");
    }

    /// <summary>How many characters of a response are judged.</summary>
    public int Horizon { get; }

    /// <inheritdoc/>
    public string Name => _inner.Name;

    /// <inheritdoc/>
    public string Version { get; }

    /// <inheritdoc/>
    public JudgeVerdict Judge(string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        JudgeVerdict verdict = _inner.Judge(prompt, Opening(response));
        return verdict with { Version = Version };
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Past the horizon the verdict is the one on the opening, whatever follows. Well before it, the
    /// inner judge's own settlement holds (every longer response, cut at the horizon, still
    /// starts with the prefix).
    /// </remarks>
    public bool? Settled(string prompt, string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string text = ResponseText.Normalize(prefix).Trim();
        if (text.Length >= Horizon + DecodeMargin)
        {
            return _inner.Judge(prompt, text[..Horizon]).Refused;
        }

        return text.Length + DecodeMargin <= Horizon && _inner is ISettlingJudge settling ? settling.Settled(prompt, prefix) : null;
    }

    private string Opening(string response)
    {
        string text = ResponseText.Normalize(response).Trim();
        return text.Length <= Horizon ? text : text[..Horizon];
    }
}
