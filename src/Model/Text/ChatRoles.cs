namespace Geode.Model.Text;

/// <summary>Checks shared by the chat templates.</summary>
internal static class ChatRoles
{
    /// <summary>Fails unless every message has a known role and text.</summary>
    public static void Check(IReadOnlyList<ChatMessage> messages, string template)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(messages));
            if (message.Role is not (ChatMessage.System or ChatMessage.User or ChatMessage.Assistant))
            {
                throw new BadInputException(
                    $"Chat message {i} has role '{message.Role}'; the {template} template takes system, user and assistant.",
                    field: "role");
            }

            if (message.Content is null)
            {
                throw new BadInputException($"Chat message {i} ({message.Role}) has no content.", field: "content");
            }
        }
    }
}
