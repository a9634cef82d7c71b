namespace MlnetGan.Data;

/// <summary>
/// An error the caller fixes by changing a setting. <see cref="Exception.Message"/> names each setting by its property
/// name (<c>LabelsPerClass</c>); <see cref="MessageNaming"/> writes the same message with the names a front end gives
/// the settings (the command line's <c>--labels-per-class</c>).
/// </summary>
public interface ISettingError
{
    /// <summary>The message with every setting named by <paramref name="nameOf"/>, which is given the property name.</summary>
    string MessageNaming(Func<string, string> nameOf);
}

/// <summary>A setting's value cannot work; the message names the setting by its property name (see <see cref="ISettingError"/>).</summary>
public sealed class InvalidSettingException : ArgumentException, ISettingError
{
    private readonly Func<Func<string, string>, string> message;

    /// <param name="message">The message, given how to name a setting from its property name.</param>
    public InvalidSettingException(Func<Func<string, string>, string> message) : base(message(PropertyName)) => this.message = message;

    /// <inheritdoc />
    public string MessageNaming(Func<string, string> nameOf) => message(nameOf);

    /// <summary>The naming of <see cref="Exception.Message"/>: a setting by its property name.</summary>
    public static string PropertyName(string property) => property;
}
