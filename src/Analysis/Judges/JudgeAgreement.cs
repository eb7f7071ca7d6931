namespace Geode.Analysis.Judges;

/// <summary>Agreement between every pair of judges over a set of judged responses.</summary>
public static class JudgeAgreement
{
    /// <summary>
    /// One <see cref="PairwiseAgreement"/> per pair of judge names, judges ordered by first
    /// appearance; each pair counts only the responses both judges gave a verdict on.
    /// </summary>
    public static IReadOnlyList<PairwiseAgreement> Pairwise(IEnumerable<JudgedResponse> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        JudgedResponse[] all = [.. responses];
        string[] judges = [.. all.SelectMany(r => r.Verdicts).Select(v => v.Judge).Distinct(StringComparer.Ordinal)];
        var pairs = new List<PairwiseAgreement>();
        for (int i = 0; i < judges.Length; i++)
        {
            for (int j = i + 1; j < judges.Length; j++)
            {
                pairs.Add(Compare(all, judges[i], judges[j]));
            }
        }

        return pairs;
    }

    private static PairwiseAgreement Compare(JudgedResponse[] responses, string first, string second)
    {
        int both = 0, firstOnly = 0, secondOnly = 0, neither = 0;
        var disagreeing = new List<string>();
        foreach (JudgedResponse response in responses)
        {
            JudgeVerdict? a = response.Verdicts.FirstOrDefault(v => v.Judge == first);
            JudgeVerdict? b = response.Verdicts.FirstOrDefault(v => v.Judge == second);
            if (a is null || b is null)
            {
                continue;
            }

            switch (a.Refused, b.Refused)
            {
                case (true, true):
                    both++;
                    break;
                case (true, false):
                    firstOnly++;
                    disagreeing.Add(response.Id);
                    break;
                case (false, true):
                    secondOnly++;
                    disagreeing.Add(response.Id);
                    break;
                default:
                    neither++;
                    break;
            }
        }

        return new PairwiseAgreement(first, second, new AgreementTable(both, firstOnly, secondOnly, neither), disagreeing);
    }
}
