// main() for the fuzz targets when libFuzzer is not there (the g++ and ASan+UBSan builds of
// `make test`): runs LLVMFuzzerTestOneInput on every file of the corpus directories given,
// then on deterministic mutations of them, so a target keeps building and its corpus keeps
// passing without clang. The mutations come from a fixed seed: a failure reproduces on the
// next run, and the input that broke is printed before the process dies.
//
//   <target> [--mutations=N] <corpus-dir>...
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Present only in a sanitizer build (ASan+UBSan): called when a sanitizer ends the process.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace {

// The input being run and where it came from, for the report of a crash.
std::string g_current;
std::string g_origin;

// Async-signal-safe: write(2) of text formatted by hand.
void write_all(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void print_current_input() {
  // With ASAN_OPTIONS=abort_on_error=1 the death callback runs and then SIGABRT: once.
  static volatile sig_atomic_t printed = 0;
  if (printed) return;
  printed = 1;
  write_all("\nreplay: the target died on ");
  write_all(g_origin);
  write_all("; the input, C-escaped:\n\"");
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : g_current) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      char plain = static_cast<char>(c);
      write_all(std::string_view(&plain, 1));
    } else {
      char escaped[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      write_all(std::string_view(escaped, 4));
    }
  }
  write_all("\"\n");
}

void report_crash(int signal_number) {
  print_current_input();
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

void run(const std::string& input, std::string origin) {
  g_current = input;
  g_origin = std::move(origin);
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(g_current.data()), g_current.size());
}

// Bytes and snippets that tend to sit on parsing boundaries in the inputs we fuzz.
constexpr std::array<char, 24> kBytes = {'\0', '"', '\\', '{', '}',  '[',    ']',    ',',
                                         ':',  '.', '-',  '/', '*',  '@',    ' ',    '\n',
                                         '0',  '9', 'e',  '%', '\t', '\xff', '\xc3', '\x80'};
constexpr std::array<std::string_view, 14> kSnippets = {"1e400",
                                                        "-0",
                                                        "9223372036854775808",
                                                        "\\u0000",
                                                        "\\ud800",
                                                        "::",
                                                        "[::1]:80",
                                                        "0x10",
                                                        "18446744073709551616",
                                                        "1.5e300",
                                                        "\"\"",
                                                        "null",
                                                        "\xf4\x90\x80\x80",
                                                        "2026-02-29T"};

class Mutator {
 public:
  explicit Mutator(const std::vector<std::string>& seeds) : seeds_(seeds) {}

  std::string mutate(std::string text) {
    int steps = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < steps; ++i) text = mutate_once(std::move(text));
    return text;
  }

  std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

 private:
  std::string mutate_once(std::string text) {
    std::size_t at = pick(text.size() + 1);
    switch (pick(8)) {
      case 0:  // truncate
        return text.substr(0, at);
      case 1:  // flip a bit
        if (!text.empty()) text[pick(text.size())] ^= static_cast<char>(1u << pick(8));
        return text;
      case 2:  // overwrite a byte
        if (!text.empty()) text[pick(text.size())] = kBytes[pick(kBytes.size())];
        return text;
      case 3:  // insert a byte
        return text.insert(at, 1, kBytes[pick(kBytes.size())]);
      case 4:  // insert a snippet
        return text.insert(at, kSnippets[pick(kSnippets.size())]);
      case 5:  // delete a range
        return text.erase(at, pick(8) + 1);
      case 6: {  // repeat a range
        std::string part = text.substr(at, pick(16) + 1);
        return text.insert(pick(text.size() + 1), part);
      }
      default: {  // splice with another seed
        const std::string& other = seeds_[pick(seeds_.size())];
        return text.substr(0, at) + other.substr(pick(other.size() + 1));
      }
    }
  }

  const std::vector<std::string>& seeds_;
  // A fixed seed: every run tries the same inputs.
  std::mt19937_64 rng_{0x70617264u};
};

}  // namespace

int main(int argc, char** argv) {
  long mutations = 10000;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--mutations=")) {
      mutations = std::stol(std::string(arg.substr(12)));
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(arg)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations=N] <corpus-dir>...  (no input file found)\n",
                 argv[0]);
    return 2;
  }
  std::sort(files.begin(), files.end());  // directory order varies; the run must not
  // A broken FUZZ_CHECK aborts. A sanitizer reports its own errors, SEGV included, and
  // then calls the death callback; without one, a SEGV is caught here.
  signal(SIGABRT, report_crash);
  if (__sanitizer_set_death_callback != nullptr) {
    __sanitizer_set_death_callback(print_current_input);
  } else {
    signal(SIGSEGV, report_crash);
  }

  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> seeds;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    run(seeds.back(), path.string());
  }
  Mutator mutator(seeds);
  for (long i = 0; i < mutations; ++i) {
    std::size_t base = mutator.pick(seeds.size());
    run(mutator.mutate(seeds[base]),
        "mutation " + std::to_string(i) + " of " + files[base].string());
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started);
  std::printf("replay: %zu corpus files and %ld mutations passed in %lld ms\n", files.size(),
              mutations, static_cast<long long>(ms.count()));
  return 0;
}
