namespace Geode.Analysis.Judges;

/// <summary>
/// The 2×2 table of two judges' verdicts on the same responses, with raw agreement and Cohen's
/// kappa.
/// </summary>
/// <param name="BothRefused">Responses both judges call refusals.</param>
/// <param name="FirstOnly">Responses only the first judge calls refusals.</param>
/// <param name="SecondOnly">Responses only the second judge calls refusals.</param>
/// <param name="NeitherRefused">Responses neither judge calls refusals.</param>
public sealed record AgreementTable(int BothRefused, int FirstOnly, int SecondOnly, int NeitherRefused)
{
    /// <summary>The number of responses.</summary>
    public int N => BothRefused + FirstOnly + SecondOnly + NeitherRefused;

    /// <summary>The share of responses on which the judges agree, p_o = (a + d) / n; NaN when n = 0.</summary>
    public double RawAgreement => N == 0 ? double.NaN : (double)(BothRefused + NeitherRefused) / N;

    /// <summary>
    /// Cohen's kappa, (p_o − p_e) / (1 − p_e), with p_e = (p₁ q₁ + (1 − p₁)(1 − q₁)) the agreement
    /// expected from the judges' marginal refusal rates p₁, q₁ alone. Null when p_e = 1 (both judges
    /// gave one and the same verdict to everything, or n = 0): kappa is undefined there, and 1 or 0
    /// would both mislead.
    /// </summary>
    public double? Kappa
    {
        get
        {
            if (N == 0)
            {
                return null;
            }

            double n = N;
            double firstRefused = (BothRefused + FirstOnly) / n;
            double secondRefused = (BothRefused + SecondOnly) / n;
            double expected = (firstRefused * secondRefused) + ((1 - firstRefused) * (1 - secondRefused));
            return expected >= 1.0 ? null : (RawAgreement - expected) / (1 - expected);
        }
    }
}
