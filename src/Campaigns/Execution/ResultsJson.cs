using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;

namespace Geode.Campaigns.Execution;

/// <summary>
/// The pieces of <c>results.json</c> (DESIGN §4): each stage's outcome as JSON with the key names
/// scripts rely on. Non-finite numbers (an undefined Cohen's d, a KL never measured) become null.
/// </summary>
public static class ResultsJson
{
    /// <summary>A number, or null when it is NaN or infinite.</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;

    /// <summary>Per category: <c>n</c>, <c>refused</c>, <c>rate</c>, <c>ci</c> [lower, upper].</summary>
    public static JsonObject Refusal(IEnumerable<CategoryRefusal> categories)
    {
        var json = new JsonObject();
        foreach (CategoryRefusal c in categories)
        {
            json[c.Category] = new JsonObject
            {
                ["n"] = c.Interval.N,
                ["refused"] = c.Refused,
                ["rate"] = Number(c.Interval.Rate),
                ["ci"] = new JsonArray(Number(c.Interval.Lower), Number(c.Interval.Upper)),
            };
        }

        return json;
    }

    /// <summary>
    /// The baseline: the primary judge, per-category refusal over the prompts that have a response,
    /// how many failed (a worker threw on them alone) and which, and where the judges disagree.
    /// </summary>
    /// <param name="result">The responses and their rates.</param>
    /// <param name="maxNewTokens">The generation limit.</param>
    /// <param name="failed">The prompts left out because they failed (see <see cref="FailedPrompts"/>); none when null.</param>
    public static JsonObject Baseline(BaselineResult result, int maxNewTokens, JsonArray? failed = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var agreement = new JsonArray();
        foreach (PairwiseAgreement pair in JudgeAgreement.Pairwise(result.Responses.Select(r => new JudgedResponse(r.Record.Id, r.Verdicts))))
        {
            agreement.Add(new JsonObject
            {
                ["first"] = pair.First,
                ["second"] = pair.Second,
                ["agreement"] = Number(pair.Table.RawAgreement),
                ["kappa"] = pair.Table.Kappa is double kappa ? Number(kappa) : null,
                ["disagreeing_ids"] = new JsonArray([.. pair.DisagreeingIds.Select(id => (JsonNode?)JsonValue.Create(id))]),
            });
        }

        return new JsonObject
        {
            ["judge"] = result.Judge,
            ["max_new_tokens"] = maxNewTokens,
            ["prompts"] = result.Responses.Count,
            ["failed"] = failed?.Count ?? 0,
            ["failed_prompts"] = failed ?? [],
            ["categories"] = Refusal(result.ByCategory),
            ["judge_agreement"] = agreement,
        };
    }

    /// <summary>Prompts a worker could not process on their own, one object each: <c>index</c> (in the stage's prompt list), <c>id</c>, <c>stage</c>, <c>cause</c> (exception type and message).</summary>
    public static JsonArray FailedPrompts(IEnumerable<(string Stage, int Index, string Id, string Cause)> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return new JsonArray([.. failures.Select(f => (JsonNode?)new JsonObject
        {
            ["index"] = f.Index,
            ["id"] = f.Id,
            ["stage"] = f.Stage,
            ["cause"] = f.Cause,
        })]);
    }

    /// <summary>Geometry: per layer Cohen's d and ‖Δμ‖, the peak, the band's top-component share, per-category cosines, the null model.</summary>
    public static JsonObject Geometry(GeometryResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var json = new JsonObject
        {
            ["layers"] = new JsonArray([.. result.Layers.Select(l => (JsonNode?)new JsonObject { ["layer"] = l.Layer, ["cohen_d"] = Number(l.CohensD), ["delta_norm"] = Number(l.DeltaNorm) })]),
            ["peak_layer"] = result.PeakLayer,
            ["band_top_component_share"] = Number(result.BandTopComponentShare),
            ["random_cohen_d"] = new JsonArray([.. result.RandomCohensD.Select(Number)]),
        };
        if (result.Categories is { } categories)
        {
            json["categories"] = new JsonObject
            {
                ["names"] = new JsonArray([.. categories.Categories.Select(c => (JsonNode?)JsonValue.Create(c))]),
                ["cosines"] = new JsonArray([.. categories.Cosines.Select(row => (JsonNode?)new JsonArray([.. row.Select(Number)]))]),
                ["cosine_with_global"] = new JsonArray([.. categories.CosineWithGlobal.Select(Number)]),
            };
        }

        return json;
    }

    /// <summary>Sweep rows: recipe, layers, α, control index, refusal per category, KL, McNemar.</summary>
    public static JsonArray SweepRows(IEnumerable<SweepRow> rows) =>
        new([.. rows.Select(r => (JsonNode?)new JsonObject
        {
            ["recipe"] = r.Recipe,
            ["layers"] = r.Layers,
            ["alpha"] = r.Alpha,
            ["control"] = r.Control,
            ["refusal"] = Refusal(r.Refusal),
            ["kl"] = Number(r.Kl),
            ["mcnemar"] = new JsonObject { ["b"] = r.McNemar.B, ["c"] = r.McNemar.C, ["statistic"] = Number(r.McNemar.Statistic), ["p"] = Number(r.McNemar.PValue) },
        })]);

    /// <summary>One cascade row (its settings and its smoke or confirmation outcome).</summary>
    public static JsonObject CascadeTrial(CascadeSettings settings, CascadeTrial trial)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trial);
        return new JsonObject
        {
            ["settings"] = settings.ToString(),
            ["stream"] = trial.Stream,
            ["cohen_d"] = Number(trial.CohensD),
            ["refusal"] = Number(trial.Refusal),
            ["kl"] = Number(trial.Kl),
            ["prompts"] = trial.Result.Responses.Count,
            ["categories"] = Refusal(trial.Result.ByCategory),
        };
    }

    /// <summary>The descent curve: per rank, pooled refusal of the refuse class, KL, singular value, per category.</summary>
    public static JsonObject Descent(DescentResult result, string strategy)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["strategy"] = strategy,
            ["stream"] = result.Stream,
            ["stop_reason"] = result.StopReason,
            ["points"] = new JsonArray([.. result.Points.Select(p => (JsonNode?)new JsonObject
            {
                ["rank"] = p.Rank,
                ["refusal"] = Number(p.Refusal),
                ["kl"] = Number(p.Kl),
                ["singular_value"] = Number(p.SingularValue),
                ["categories"] = Refusal(p.ByCategory),
            })]),
        };
    }

    /// <summary>The selective stage: entanglement, the points per α with the Pareto front marked, and the KL budget.</summary>
    public static JsonObject Selective(SelectiveResult result, IReadOnlyList<string> free, IReadOnlyList<string> keep, double klBudget)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["free"] = new JsonArray([.. free.Select(c => (JsonNode?)JsonValue.Create(c))]),
            ["keep"] = new JsonArray([.. keep.Select(c => (JsonNode?)JsonValue.Create(c))]),
            ["cosine_free_keep"] = Number(result.CosineFreedKept),
            ["layer"] = result.Layer,
            ["kl_budget"] = klBudget,
            ["points"] = new JsonArray([.. result.Points.Select(p => (JsonNode?)new JsonObject
            {
                ["alpha"] = p.Alpha,
                ["freed_refusal"] = Number(p.Freed),
                ["kept_refusal"] = Number(p.Kept),
                ["kl"] = Number(p.Kl),
                ["within_kl_budget"] = p.Kl <= klBudget,
                ["on_front"] = p.OnFront,
                ["categories"] = Refusal(p.ByCategory),
            })]),
        };
    }
}
