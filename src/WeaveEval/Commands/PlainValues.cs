using System;
using System.Collections;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Parameter values as the PowerShell-free core takes them (-Filter's hashtables, a gate's rules): the
    /// PSObject wrappers PowerShell puts around typed numbers and array items removed (a PSCustomObject
    /// stays wrapped, it has no other form), dictionaries copied in order with keys compared as PowerShell
    /// compares them (ignoring case), and lists copied to arrays, all the way down.
    /// </summary>
    internal static class PlainValues
    {
        public static object? Of(object? value)
        {
            if (value is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject)) value = wrapped.BaseObject;
            switch (value)
            {
                case IDictionary dictionary:
                    var copy = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (DictionaryEntry entry in dictionary) copy[Of(entry.Key) ?? string.Empty] = Of(entry.Value);
                    return copy;
                case string _:
                case PSObject _:
                    return value;
                case IEnumerable items:
                    return items.Cast<object?>().Select(Of).ToArray();
                default:
                    return value;
            }
        }
    }
}
