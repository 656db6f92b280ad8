#include "plugin/library.hpp"

#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <elf.h>
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <type_traits>
#include <vector>

#include "plugin/descriptor.hpp"

namespace parcours::plugin {
namespace {

namespace dll = boost::dll;

// The size of an ABI 1.0 descriptor: the least a plugin of this major may give.
// (A 1.x plugin gives at least this; later minors only append.)
constexpr std::size_t kMinimumDescriptorSize = offsetof(parcours_plugin, scan) + sizeof(void*);

std::string version_text(int major, int minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Step 1: the ELF header, read without running anything.
void check_elf_shared_library(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Refusal(std::string("cannot be read: ") + std::strerror(errno));
  std::array<unsigned char, 18> header{};
  in.read(reinterpret_cast<char*>(header.data()), header.size());
  const auto got = static_cast<std::size_t>(in.gcount());
  if (got < 4 || header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F')
    throw Refusal("not a shared library: it is not an ELF file");
  if (got < header.size()) throw Refusal("not a shared library: its ELF header is truncated");
  const bool is_64_bit = header[4] == 2;
  if (is_64_bit != (sizeof(void*) == 8))
    throw Refusal(std::string("built for a ") + (is_64_bit ? "64" : "32") + "-bit system; this host is " +
                  (sizeof(void*) == 8 ? "64" : "32") + "-bit");
  const bool little_endian = header[5] == 1;
  if (little_endian != (std::endian::native == std::endian::little))
    throw Refusal("built for a system of the other byte order");
  const unsigned type = little_endian ? header[16] | (header[17] << 8) : (header[16] << 8) | header[17];
  if (type != 3 /* ET_DYN */)
    throw Refusal(std::string("not a shared library: it is an ELF ") + (type == 1   ? "object file (.o)"
                                                                        : type == 2 ? "executable"
                                                                                    : "file of another type"));
}

// Reads the names of the symbols `file` exports for dlsym: the defined, global or
// weak, default- or protected-visibility entries of .dynsym, named through the
// string table its sh_link points to. (Native ELF only: step 1 checked the class.)
std::vector<std::string> dynamic_exports(const std::filesystem::path& file) {
  using Header = std::conditional_t<sizeof(void*) == 8, Elf64_Ehdr, Elf32_Ehdr>;
  using Section = std::conditional_t<sizeof(void*) == 8, Elf64_Shdr, Elf32_Shdr>;
  using Symbol = std::conditional_t<sizeof(void*) == 8, Elf64_Sym, Elf32_Sym>;
  std::ifstream in(file, std::ios::binary);
  const auto read_at = [&](std::uint64_t offset, void* into, std::size_t size) {
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(static_cast<char*>(into), static_cast<std::streamsize>(size));
    if (!in) throw Refusal("not a readable shared library: its ELF tables point past the end of the file");
  };
  Header header{};
  read_at(0, &header, sizeof header);
  if (header.e_shentsize != sizeof(Section) || header.e_shnum == 0 || header.e_shnum > 4096)
    throw Refusal("not a readable shared library: unexpected ELF section table");
  std::vector<Section> sections(header.e_shnum);
  read_at(header.e_shoff, sections.data(), sections.size() * sizeof(Section));

  std::vector<std::string> names;
  for (const auto& section : sections) {
    if (section.sh_type != SHT_DYNSYM || section.sh_link >= sections.size()) continue;
    const auto& strings_section = sections[section.sh_link];
    constexpr std::uint64_t kLimit = 256u << 20;  // no plugin has tables this large
    if (section.sh_size > kLimit || strings_section.sh_size > kLimit || strings_section.sh_size == 0)
      throw Refusal("not a readable shared library: unexpected ELF symbol table");
    std::vector<Symbol> symbols(section.sh_size / sizeof(Symbol));
    read_at(section.sh_offset, symbols.data(), symbols.size() * sizeof(Symbol));
    std::vector<char> strings(strings_section.sh_size);
    read_at(strings_section.sh_offset, strings.data(), strings.size());
    strings.back() = '\0';
    for (const auto& symbol : symbols) {
      const unsigned binding = symbol.st_info >> 4;
      const unsigned visibility = symbol.st_other & 0x3;
      if (symbol.st_shndx == SHN_UNDEF || symbol.st_name >= strings.size()) continue;
      if (binding != STB_GLOBAL && binding != STB_WEAK && binding != STB_GNU_UNIQUE) continue;
      if (visibility != STV_DEFAULT && visibility != STV_PROTECTED) continue;
      names.emplace_back(&strings[symbol.st_name]);
    }
  }
  return names;
}

// Step 2: does it export the entry point? Read without running anything.
//
// boost::dll::library_info checks that the file is a native binary, but on Boost
// 1.74 its symbols() cannot be trusted: it reads only .symtab (gone once a library is
// stripped; boostorg/dll#41, fixed in 1.77) and takes the *last* SHT_STRTAB section
// as that table's names, which with GNU ld is .shstrtab, not .strtab — so names come
// out wrong or read past the buffer. The exports dlsym sees are in .dynsym anyway,
// so that is what dynamic_exports() reads.
void check_exports_entry(const std::filesystem::path& file) {
  try {
    dll::library_info info(file);  // throws when the file is not a native binary
  } catch (const std::exception& e) {
    throw Refusal(std::string("not a readable shared library: ") + e.what());
  }
  const auto exports = dynamic_exports(file);
  if (std::find(exports.begin(), exports.end(), PARCOURS_PLUGIN_ENTRY_SYMBOL) == exports.end())
    throw Refusal("not a Parcours plugin: it does not export " PARCOURS_PLUGIN_ENTRY_SYMBOL);
}

// Boost.DLL's load() failure reads "boost::dll::shared_library::load() failed
// (dlerror system message: <text>): <errno text>"; the user needs <text> only.
std::string dlerror_text(const std::string& what) {
  const std::string marker = "(dlerror system message: ";
  const auto start = what.find(marker);
  if (start == std::string::npos) return what;
  const auto end = what.rfind("):");
  const auto from = start + marker.size();
  return what.substr(from, end == std::string::npos || end < from ? std::string::npos : end - from);
}

}  // namespace

struct Library::Handle {
  dll::shared_library library;
};

Library::Library(std::filesystem::path file) : file_(std::move(file)), handle_(std::make_unique<Handle>()) {}

Library::~Library() = default;

std::shared_ptr<Library> Library::open(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw Refusal("not a regular file");
  check_elf_shared_library(file);
  check_exports_entry(file);

  std::shared_ptr<Library> library(new Library(file));
  // Step 3. rtld_now: an unresolved symbol fails here rather than at first call.
  // The throwing overload keeps dlerror()'s text; the error_code one loses it.
  try {
    library->handle_->library.load(std::filesystem::absolute(file), dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    throw Refusal("cannot be loaded: " + dlerror_text(e.what()));
  }
  auto& shared = library->handle_->library;
  if (!shared.has(PARCOURS_PLUGIN_ENTRY_SYMBOL))  // listed in .dynsym, so only a broken file gets here
    throw Refusal("not a Parcours plugin: it does not export " PARCOURS_PLUGIN_ENTRY_SYMBOL);

  // Step 4. The entry is C: it cannot throw (the SDK's macro catches everything).
  const auto entry = shared.get<const parcours_plugin*()>(PARCOURS_PLUGIN_ENTRY_SYMBOL);
  const parcours_plugin* raw = entry();
  if (!raw)
    throw Refusal(PARCOURS_PLUGIN_ENTRY_SYMBOL
                  "() returned NULL: the plugin could not describe itself (see its messages on stderr)");

  // abi_major, abi_minor and struct_size lead every version of the struct.
  library->abi_major_ = raw->abi_major;
  library->abi_minor_ = raw->abi_minor;
  if (raw->abi_major != PARCOURS_ABI_MAJOR || raw->abi_minor > PARCOURS_ABI_MINOR) {
    std::string reason = "built for plugin ABI " + version_text(raw->abi_major, raw->abi_minor) +
                         "; this host speaks " + version_text(PARCOURS_ABI_MAJOR, PARCOURS_ABI_MINOR);
    if (raw->abi_major >= PARCOURS_ABI_MAJOR)
      reason += " (upgrade Parcours, or rebuild the plugin against SDK " +
                version_text(PARCOURS_ABI_MAJOR, PARCOURS_ABI_MINOR) + ")";
    else
      reason += " (rebuild the plugin against SDK " + version_text(PARCOURS_ABI_MAJOR, PARCOURS_ABI_MINOR) + ")";
    throw Refusal(reason);
  }
  if (raw->struct_size < kMinimumDescriptorSize)
    throw Refusal("its descriptor is " + std::to_string(raw->struct_size) + " bytes, less than the " +
                  std::to_string(kMinimumDescriptorSize) + " of plugin ABI " + version_text(PARCOURS_ABI_MAJOR, 0) +
                  ": the plugin is damaged or was not built with parcours/plugin.h");
  // Fields are only ever appended: copy what both sides know, leave the rest NULL.
  std::memcpy(&library->descriptor_, raw, std::min<std::size_t>(raw->struct_size, sizeof(parcours_plugin)));

  // Step 5.
  library->declaration_ = read_declaration(library->descriptor_);
  return library;
}

std::optional<std::string> Library::take_string(char* text) const {
  if (!text) return std::nullopt;
  std::string copy(text);
  descriptor_.free_string(text);
  return copy;
}

std::filesystem::path running_executable() {
  return dll::program_location();
}

}  // namespace parcours::plugin
