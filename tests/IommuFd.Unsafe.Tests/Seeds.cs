// Seeded randomness with the seed in every failure message, so any failure replays with one InlineData.
namespace IommuFd.Unsafe.Tests;

internal static class Seeds
{
    public static void Run(int seed, Action<Random> body)
    {
        try
        {
            body(new Random(seed));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: {e.Message}\n{e}");
        }
    }
}
