// parcours/thread_name.hpp — names the calling thread, as `top -H`, `ps -L`, gdb and
// /proc/<pid>/task/<tid>/comm show it.
//
// A host runs a dozen threads of its own and its plugins'; an operator looking at one
// busy core, or a benchmark splitting CPU time by thread, needs to tell them apart.
// Linux keeps at most 15 bytes: a longer name is cut there, never refused. Elsewhere,
// and where the name cannot be set, this does nothing: a name is never worth an error.
#pragma once

#include <string_view>

#if defined(__linux__)
#include <pthread.h>
#endif

namespace parcours {

inline void name_this_thread(std::string_view name) {
#if defined(__linux__)
  char cut[16] = {};
  name.copy(cut, sizeof cut - 1);
  pthread_setname_np(pthread_self(), cut);
#else
  (void)name;
#endif
}

}  // namespace parcours
