using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    public class UrlPathTests
    {
        [Theory]
        [InlineData("019f4c56-e6b4-7923-bc1a-adbde48b1697", "019f4c56-e6b4-7923-bc1a-adbde48b1697")]
        [InlineData("a/b", "a%2Fb")]
        [InlineData("a?b=c", "a%3Fb%3Dc")]
        [InlineData("a#frag", "a%23frag")]
        [InlineData("../x", "..%2Fx")]
        [InlineData("100%", "100%25")]
        [InlineData("with space", "with%20space")]
        [InlineData("tab\there", "tab%09here")]
        [InlineData("grüße", "gr%C3%BC%C3%9Fe")]
        [InlineData("日本", "%E6%97%A5%E6%9C%AC")]
        [InlineData("a+b:c", "a%2Bb%3Ac")]
        [InlineData("...", "...")]
        [InlineData("a.b_c~d", "a.b_c~d")]
        public void Segments_are_percent_encoded(string value, string expected)
        {
            Assert.Equal(expected, UrlPath.Segment(value, "id"));
        }

        [Theory]
        [InlineData("..")]
        [InlineData(".")]
        [InlineData("")]
        public void Dot_segments_are_refused(string value)
        {
            var error = Assert.Throws<WeaveException>(() => UrlPath.Segment(value, "id"));
            Assert.Equal("InvalidArgument", error.ErrorId);
            Assert.Equal(WeaveErrorKind.InvalidArgument, error.Kind);
        }

        [Theory]
        [InlineData("a/b?c#d")]
        [InlineData("x/../y")]
        [InlineData("ünï cødé")]
        public async Task An_id_stays_one_segment_on_the_wire(string id)
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, "{\"prediction_id\":\"x\"}"));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            await client.ReadPredictionAsync(id, CancellationToken.None);
            var uri = handler.Requests.Single().Uri;
            Assert.Equal(6, uri.AbsolutePath.Split('/').Length);
            Assert.Equal("", uri.Query);
            Assert.Equal("", uri.Fragment);
            Assert.Equal(id, System.Uri.UnescapeDataString(uri.AbsolutePath.Split('/').Last()));
        }

        [Fact]
        public async Task A_dot_dot_id_is_refused_before_sending()
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, "{}"));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var error = await Assert.ThrowsAsync<WeaveException>(() => client.ReadPredictionAsync("..", CancellationToken.None));
            Assert.Equal("InvalidArgument", error.ErrorId);
            Assert.Empty(handler.Requests);
        }
    }
}
