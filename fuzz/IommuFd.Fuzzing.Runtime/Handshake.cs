namespace IommuFd.Fuzzing.Runtime;

/// <summary>The outcome of the fork-server handshake.</summary>
/// <param name="UseShmInput">afl agreed to pass test cases in shared memory.</param>
/// <param name="PendingRequest">
/// A run request that was already read while probing for the handshake reply (older afl never answers the v1 hello
/// or an unacknowledged option word: the next word it sends is the first "run one input").
/// </param>
internal readonly record struct HandshakeResult(bool UseShmInput, uint? PendingRequest);

/// <summary>The target side of the three fork-server handshakes (see <see cref="AflProtocol"/>).</summary>
internal static class Handshake
{
    /// <summary>Performs the handshake on fds 198/199. False when afl went away.</summary>
    public static bool TryPerform(AflHandshake kind, bool offerShmInput, out HandshakeResult result)
        => TryPerform(AflProtocol.ControlFd, AflProtocol.StatusFd, kind, offerShmInput, out result);

    /// <summary>Performs the handshake on the given descriptors. False when the peer went away.</summary>
    public static bool TryPerform(int controlFd, int statusFd, AflHandshake kind, bool offerShmInput, out HandshakeResult result)
    {
        result = default;
        switch (kind)
        {
            case AflHandshake.Auto:
            {
                if (!LibC.TryWriteU32(statusFd, AflProtocol.V1Hello) || !LibC.TryReadU32(controlFd, out uint reply))
                {
                    return false;
                }

                if (reply != ~AflProtocol.V1Hello)
                {
                    // afl < 4.20c took the hello as a classic one; this word is its first run request.
                    result = new HandshakeResult(false, reply);
                    return true;
                }

                uint options = AflProtocol.V1OptionMapSize | (offerShmInput ? AflProtocol.V1OptionShmFuzz : 0);
                if (!LibC.TryWriteU32(statusFd, options)
                    || !LibC.TryWriteU32(statusFd, Coverage.MapSize)
                    || !LibC.TryWriteU32(statusFd, AflProtocol.V1Hello))   // the hello again ends the option list
                {
                    return false;
                }

                result = new HandshakeResult(offerShmInput, null);
                return true;
            }

            case AflHandshake.Options:
            {
                uint word = AflProtocol.OptionsEnabled | AflProtocol.EncodeOptionsMapSize(Coverage.MapSize)
                            | (offerShmInput ? AflProtocol.OptionsShmFuzz : 0);
                if (!LibC.TryWriteU32(statusFd, word))
                {
                    return false;
                }

                if (!offerShmInput)
                {
                    return true;
                }

                if (!LibC.TryReadU32(controlFd, out uint ack))
                {
                    return false;
                }

                result = ack == (AflProtocol.OptionsEnabled | AflProtocol.OptionsShmFuzz)
                    ? new HandshakeResult(true, null)
                    : new HandshakeResult(false, ack);   // classic AFL ignores options: that was a run request
                return true;
            }

            default:
                return LibC.TryWriteU32(statusFd, 0);
        }
    }

    /// <summary>Reports a setup error to afl in the encoding of the chosen handshake, instead of a hello.</summary>
    public static void ReportError(AflHandshake kind, uint code)
    {
        uint word = kind switch
        {
            AflHandshake.Auto => AflProtocol.V1Error | (code & 0xFFFF),
            _ => AflProtocol.OptionsError | ((code & 0xFFFF) << 8),
        };
        LibC.TryWriteU32(AflProtocol.StatusFd, word);
    }
}
