// The one source of the targets that own a precompiled header (cmake/ParcoursPch.cmake):
// CMake compiles a target's PCH, other targets reuse it (REUSE_FROM). It needs a
// source file to exist; there is nothing in it.
