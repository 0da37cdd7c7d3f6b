#include "driver/programs/process_runner.h"

#include <fmt/format.h>

// Boost.Asio's scheduler, inlined into this file, trips GCC 12's
// -Wnull-dereference flow analysis (a false positive inside the system header).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <future>
#include <thread>

namespace dotk8s {
namespace bp = boost::process;

ProcessResult SystemProcessRunner::Run(const Command& command) {
  ProcessResult result;
  if (command.argv.empty()) {
    result.start_error = "empty command";
    return result;
  }
  // Boost.Process reports failures as exceptions; this is the one place they
  // are caught and turned into a result.
  try {
    boost::filesystem::path program = command.argv[0];
    if (command.argv[0].find('/') == std::string::npos) {
      program = bp::search_path(command.argv[0]);
      if (program.empty()) {
        result.start_error = fmt::format("{} not found on PATH", command.argv[0]);
        return result;
      }
    }
    bp::environment env = boost::this_process::environment();
    for (const auto& [name, value] : command.env) env[name] = value;
    std::vector<std::string> args(command.argv.begin() + 1, command.argv.end());
    boost::asio::io_context io;
    std::future<std::string> out;
    std::future<std::string> err;
    std::unique_lock<std::mutex> starting(start_mutex_);
    bp::child child(program, bp::args(args), env, bp::std_in < bp::buffer(command.input), bp::std_out > out,
                    bp::std_err > err, io);
    starting.unlock();
    io.run();
    child.wait();
    result.exit_code = child.exit_code();
    result.out = out.get();
    result.err = err.get();
  } catch (const std::exception& e) {
    result.start_error = fmt::format("cannot run {}: {}", command.argv[0], e.what());
  }
  return result;
}

std::vector<ProcessResult> RunSideBySide(ProcessRunner& runner, const std::vector<Command>& commands,
                                         bool one_by_one) {
  std::vector<ProcessResult> results(commands.size());
  if (one_by_one || commands.size() < 2) {
    for (std::size_t i = 0; i < commands.size(); ++i) results[i] = runner.Run(commands[i]);
    return results;
  }
  std::vector<std::thread> threads;
  threads.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    threads.emplace_back([&runner, &commands, &results, i] { results[i] = runner.Run(commands[i]); });
  }
  for (std::thread& thread : threads) thread.join();
  return results;
}

ProcessResult DryRunRunner::Run(const Command& command) {
  *out_ << (command.is_action ? "" : "# probe, runs under --dry-run too:\n") << FormatCommand(command) << '\n';
  if (command.is_action) {
    ProcessResult skipped;
    skipped.exit_code = 0;
    skipped.skipped = true;
    return skipped;
  }
  return inner_->Run(command);
}

std::string ShellQuote(const std::string& word) {
  if (word.empty()) return "''";
  bool plain = true;
  for (char c : word) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos)) {
      plain = false;
      break;
    }
  }
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string FormatCommand(const Command& command) {
  std::string line;
  for (const auto& [name, value] : command.env) line += fmt::format("{}={} ", name, ShellQuote(value));
  for (std::size_t i = 0; i < command.argv.size(); ++i) {
    if (i > 0) line += ' ';
    line += ShellQuote(command.argv[i]);
  }
  if (!command.input.empty()) line += fmt::format(" < ({} bytes on stdin)", command.input.size());
  return line;
}

}  // namespace dotk8s
