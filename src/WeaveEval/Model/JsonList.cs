using System.Collections.Generic;

namespace WeaveEval
{
    /// <summary>A JSON array; <see cref="ToString"/> is compact JSON (never <c>System.Object[]</c>).</summary>
    public sealed class JsonList : List<object?>
    {
        public JsonList() { }

        public JsonList(int capacity) : base(capacity) { }

        public override string ToString() => JsonText.Serialize(this);
    }
}
