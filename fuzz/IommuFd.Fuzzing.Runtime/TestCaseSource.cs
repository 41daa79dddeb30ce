namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Where the current test case comes from: afl's shared-memory buffer, the <c>@@</c> file, or stdin (afl's
/// <c>.cur_input</c>). The bytes are copied into one pinned buffer so that the target never aliases afl-owned memory
/// and nothing is allocated per execution.
/// </summary>
internal sealed unsafe class TestCaseSource
{
    private readonly byte* _shm;
    private readonly string? _file;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(AflProtocol.MaxInputLength, pinned: true);
    private int _length;

    private TestCaseSource(byte* shm, string? file)
    {
        _shm = shm;
        _file = file;
    }

    /// <summary>What the source reads from, for traces and the worker's environment.</summary>
    public string Kind => _shm != null ? "shm" : _file is not null ? "file" : "stdin";

    /// <summary>The most recently read test case.</summary>
    public ReadOnlySpan<byte> Current => new(_buffer, 0, _length);

    /// <summary>Reads test cases from afl's shared-memory buffer (attached by the caller).</summary>
    public static TestCaseSource FromSharedMemory(byte* shm) => new(shm, null);

    /// <summary>Reads test cases from a file (afl's <c>@@</c>), or from stdin when <paramref name="file"/> is null.</summary>
    public static TestCaseSource FromFileOrStdin(string? file) => new(null, file);

    /// <summary>Fetches the next test case into <see cref="Current"/>.</summary>
    public ReadOnlySpan<byte> Next()
    {
        if (_shm != null)
        {
            uint length = *(uint*)_shm;
            _length = (int)Math.Min(length, (uint)AflProtocol.MaxInputLength);
            new ReadOnlySpan<byte>(_shm + sizeof(uint), _length).CopyTo(_buffer);
        }
        else if (_file is not null)
        {
            using var handle = File.OpenHandle(_file);
            int total = 0;
            int read;
            while (total < _buffer.Length && (read = RandomAccess.Read(handle, _buffer.AsSpan(total), total)) > 0)
            {
                total += read;
            }

            _length = total;
        }
        else
        {
            // stdin is afl's .cur_input, rewritten for every run; pread from offset 0 ignores the shared offset.
            _length = LibC.PReadAll(0, _buffer);
        }

        return Current;
    }
}
