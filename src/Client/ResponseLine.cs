namespace Geode.Client;

/// <summary>One response to judge, from one line of a JSON-lines file.</summary>
/// <param name="Line">The 1-based line number, for messages.</param>
/// <param name="Id">The response's id.</param>
/// <param name="Prompt">The prompt it answers.</param>
/// <param name="Response">The generated text.</param>
internal sealed record ResponseLine(int Line, string Id, string Prompt, string Response);
