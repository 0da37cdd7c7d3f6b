#include "driver/timings.h"

#include <fmt/format.h>

#include <algorithm>

namespace dotk8s {

ProcessResult TimingRunner::Run(const Command& command) {
  const auto start = std::chrono::steady_clock::now();
  ProcessResult result = inner_->Run(command);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  TimedStep step;
  if (!command.argv.empty()) {
    const std::string& program = command.argv[0];
    step.program = program.substr(program.find_last_of('/') + 1);
  }
  step.purpose = command.purpose.empty() ? FormatCommand(command) : command.purpose;
  step.seconds = took.count();
  step.ok = result.Ok() || result.skipped;
  const std::lock_guard<std::mutex> lock(mutex_);
  steps_.push_back(std::move(step));
  return result;
}

std::vector<TimedStep> TimingRunner::Steps() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return steps_;
}

std::string FormatTimings(const std::vector<TimedStep>& steps, double total_seconds) {
  std::size_t width = 6;  // "dotk8s"
  double programs = 0;
  for (const TimedStep& step : steps) {
    width = std::max(width, step.program.size());
    programs += step.seconds;
  }
  std::string text = "dotk8s: timings (wall seconds, in the order the programs ran)\n";
  for (const TimedStep& step : steps) {
    text += fmt::format("  {:7.2f}  {:<{}}  {}{}\n", step.seconds, step.program, width, step.purpose,
                        step.ok ? "" : " (failed)");
  }
  // Reads that ran side by side overlap: their sum can exceed the wall time.
  const double itself = std::max(0.0, total_seconds - programs);
  text += fmt::format("  {:7.2f}  {:<{}}  (itself: options, planning, checks, between the programs)\n", itself,
                      "dotk8s", width);
  text += fmt::format("  {:7.2f}  {:<{}}  total\n", total_seconds, "", width);
  return text;
}

}  // namespace dotk8s
