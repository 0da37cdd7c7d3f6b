#include "driver/programs/timings.h"

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
  step.start = std::chrono::duration<double>(start - created_).count();
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
  for (const TimedStep& step : steps) width = std::max(width, step.program.size());
  std::vector<TimedStep> ordered = steps;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const TimedStep& a, const TimedStep& b) { return a.start < b.start; });
  // The time some program ran: the union of their intervals.
  double programs = 0;
  double covered_until = 0;
  for (const TimedStep& step : ordered) {
    const double end = step.start + step.seconds;
    if (end <= covered_until) continue;
    programs += end - std::max(step.start, covered_until);
    covered_until = end;
  }
  std::string text = "dotk8s: timings (wall seconds, in the order the programs started)\n";
  for (const TimedStep& step : ordered) {
    text += fmt::format("  {:7.2f}  {:<{}}  {}{}\n", step.seconds, step.program, width, step.purpose,
                        step.ok ? "" : " (failed)");
  }
  const double itself = std::max(0.0, total_seconds - programs);
  text += fmt::format("  {:7.2f}  {:<{}}  (itself: options, planning, checks, between the programs)\n", itself,
                      "dotk8s", width);
  text += fmt::format("  {:7.2f}  {:<{}}  total\n", total_seconds, "", width);
  return text;
}

}  // namespace dotk8s
