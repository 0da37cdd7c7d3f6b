// dotk8s: the driver. main() only builds the context from the real process
// and hands over to RunDriver.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "driver/commands/table.h"

extern char** environ;

int main(int argc, char** argv) {
  try {
    dotk8s::SystemProcessRunner runner;
    dotk8s::DriverContext context;
    context.runner = &runner;
    context.in = &std::cin;
    context.out = &std::cout;
    context.err = &std::cerr;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string variable = *entry;
      std::size_t eq = variable.find('=');
      if (eq != std::string::npos) context.env[variable.substr(0, eq)] = variable.substr(eq + 1);
    }
    std::error_code ec;
    context.self_path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    context.terminal = ::isatty(STDERR_FILENO) == 1;
    std::vector<std::string> args(argv + 1, argv + argc);
    int code = dotk8s::RunDriver(args, context);
    std::cout.flush();
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dotk8s: internal error: %s\n", e.what());
    return 2;
  }
}
