// Where the client reports what it does; the cmdlets forward it to the Verbose and Debug streams.
namespace HighwayHailuo.Api
{
    internal interface IClientLog
    {
        void Verbose(string message);
        void Debug(string message);
        void Warning(string message);
    }
}
