namespace Geode.Model.Text;

/// <summary>How a prompt is turned into model input for capture (DESIGN §1.3: rendering is a variable).</summary>
public enum PromptRendering
{
    /// <summary>A user turn in the model's chat template, generation prompt on.</summary>
    Template,

    /// <summary>The bare text after the beginning-of-sequence token, as many of the field's tools capture it.</summary>
    Raw,
}
