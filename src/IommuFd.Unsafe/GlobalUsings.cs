// The project's namespace is IommuFd.Unsafe, which shadows System.Runtime.CompilerServices.Unsafe inside it; the alias
// keeps the runtime helper reachable under one unambiguous name.
global using RtUnsafe = System.Runtime.CompilerServices.Unsafe;
