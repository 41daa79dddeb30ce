namespace IommuFd.Fuzzing.Samples;

/// <summary>
/// Input-driven behaviours for the runtime's protocol tests (never fuzzed in a campaign): the first byte picks an
/// outcome, the rest walks a few branches so that different inputs touch different map bytes.
/// </summary>
public static class SelfTestBehaviours
{
    /// <summary>'C': managed exception. 'H': hang. 'F': FailFast (hard crash, SIGABRT). 'K': the process kills itself (SIGKILL). Other: branches.</summary>
    public static int Run(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        switch (data[0])
        {
            case (byte)'C':
                throw new InvalidOperationException("self-test: managed crash");
            case (byte)'H':
                while (true)
                {
                    Thread.Sleep(10);
                }

            case (byte)'F':
                Environment.FailFast("self-test: hard crash");
                return -1;
            case (byte)'K':
                System.Diagnostics.Process.GetCurrentProcess().Kill();
                return -1;
        }

        int score = 0;
        foreach (byte b in data[1..])
        {
            if (b < 0x40)
            {
                score += 1;
            }
            else if (b < 0x80)
            {
                score += 3;
            }
            else if ((b & 1) == 0)
            {
                score ^= b;
            }
            else
            {
                score -= b;
            }
        }

        return score;
    }
}
