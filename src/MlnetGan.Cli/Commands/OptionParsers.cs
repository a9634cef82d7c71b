using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// Value parsers that report bad text as a parse error naming the option (System.CommandLine's own conversion error
/// names the .NET type, and a validator that reads an unconvertible value throws). Numbers use the invariant culture;
/// enums are written in kebab-case, the spelling the help lists.
/// </summary>
internal static partial class OptionParsers
{
    /// <summary>
    /// Gives every option under <paramref name="command"/> that has no parser of its own the parser of its type: whole
    /// numbers, finite numbers, and text that must not be empty (an empty path or name would fail later without naming
    /// the option).
    /// </summary>
    public static void ApplyDefaults(Command command)
    {
        foreach (var option in command.Options)
        {
            switch (option)
            {
                case Option<int> integer when integer.CustomParser is null:
                    integer.CustomParser = result => Integer(result, integer.Name, positive: false);
                    break;
                case Option<long> integer when integer.CustomParser is null:
                    integer.CustomParser = result => Long(result, integer.Name);
                    break;
                case Option<double> real when real.CustomParser is null:
                    real.CustomParser = result => Double(result, real.Name);
                    break;
                case Option<string> text when text.CustomParser is null:
                    text.CustomParser = result => NonEmpty(result, text.Name);
                    break;
            }
        }
        foreach (var sub in command.Subcommands) ApplyDefaults(sub);
    }

    /// <summary>Parses a 32-bit whole number, when <paramref name="positive"/> one above zero.</summary>
    public static int Integer(ArgumentResult result, string name, bool positive)
    {
        var text = Single(result);
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return Fail<int>(result, $"{name}: '{text}' is not a whole number");
        if (positive && value <= 0) return Fail<int>(result, $"{name} must be positive, not {text}");
        if (value > int.MaxValue || value < int.MinValue)
            return Fail<int>(result, $"{name}: {text} is out of range ({(positive ? 1 : int.MinValue).ToString(CultureInfo.InvariantCulture)} to {int.MaxValue.ToString(CultureInfo.InvariantCulture)})");
        return (int)value;
    }

    private static long Long(ArgumentResult result, string name)
    {
        var text = Single(result);
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return Fail<long>(result, $"{name}: '{text}' is not a whole number");
        if (value > long.MaxValue || value < long.MinValue)
            return Fail<long>(result, $"{name}: {text} is out of range ({long.MinValue.ToString(CultureInfo.InvariantCulture)} to {long.MaxValue.ToString(CultureInfo.InvariantCulture)})");
        return (long)value;
    }

    private static double Double(ArgumentResult result, string name)
    {
        var text = Single(result);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return Fail<double>(result, $"{name}: '{text}' is not a number");
        if (!double.IsFinite(value)) return Fail<double>(result, $"{name}: '{text}' is not a finite number");
        return value;
    }

    private static string NonEmpty(ArgumentResult result, string name)
    {
        var text = Single(result);
        return string.IsNullOrWhiteSpace(text) ? Fail<string>(result, $"{name}: the value is empty") : text;
    }

    /// <summary>
    /// Makes <paramref name="option"/> take its enum's values in kebab-case (<c>CifarBinary</c> is <c>cifar-binary</c>),
    /// exactly the spellings its help lists, and nothing else (not the enum's numbers). The help would print a default
    /// value with the enum's own name, so the default must be the enum's first (zero) value, which an absent option
    /// gives, and its kebab-case name is written into the description instead.
    /// </summary>
    public static Option<TEnum> KebabCase<TEnum>(Option<TEnum> option) where TEnum : struct, Enum
    {
        if (option.HasDefaultValue)
        {
            var defaultValue = (TEnum)option.GetDefaultValue()!;
            if (!defaultValue.Equals(default(TEnum)))
                throw new InvalidOperationException($"{option.Name}: the default of a kebab-case option must be {default(TEnum)}, not {defaultValue}");
            option.DefaultValueFactory = null;
            option.Description = $"{option.Description} [default: {Kebab(defaultValue)}]";
        }
        var names = Enum.GetValues<TEnum>().ToDictionary(value => Kebab(value), value => value, StringComparer.Ordinal);
        option.CustomParser = result =>
        {
            var text = Single(result);
            return names.TryGetValue(text, out var value) ? value
                : Fail<TEnum>(result, $"{option.Name}: '{text}' is not one of {string.Join(", ", names.Keys)}");
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(names.Keys.ToArray());
        return option;
    }

    /// <summary>Makes <paramref name="option"/> take only <paramref name="values"/>, the spellings its help lists; anything else is an error naming the option.</summary>
    public static Option<string> OneOf(Option<string> option, params string[] values)
    {
        option.CustomParser = result =>
        {
            var text = Single(result);
            return values.Contains(text, StringComparer.Ordinal) ? text : Fail<string>(result, $"{option.Name}: '{text}' is not one of {string.Join(", ", values)}");
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>The kebab-case name of an enum value: <c>CifarBinary</c> gives <c>cifar-binary</c>.</summary>
    public static string Kebab(Enum value) => WordStart().Replace(value.ToString(), "-$1").ToLowerInvariant();

    private static string Single(ArgumentResult result) => result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value;

    private static T Fail<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex WordStart();
}
