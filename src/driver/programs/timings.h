#ifndef DOTK8S_DRIVER_PROGRAMS_TIMINGS_H_
#define DOTK8S_DRIVER_PROGRAMS_TIMINGS_H_

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "driver/programs/process_runner.h"

namespace dotk8s {

/// One program the driver ran, as --timings reports it.
struct TimedStep {
  std::string program;  ///< helm, kubectl, dotk8s-post: argv[0]'s file name
  std::string purpose;  ///< Command::purpose: "applying 36 CRDs (server-side)"
  double start = 0;  ///< seconds from the TimingRunner's creation
  double seconds = 0;
  bool ok = true;
};

/// --timings: runs every program through `inner` and notes how long each took,
/// so the report shows where a slow install or upgrade spends its time.
/// Safe to call from several threads (reads may run side by side).
class TimingRunner : public ProcessRunner {
 public:
  explicit TimingRunner(ProcessRunner* inner) : inner_(inner), created_(std::chrono::steady_clock::now()) {}
  ProcessResult Run(const Command& command) override;
  std::vector<TimedStep> Steps() const;

 private:
  ProcessRunner* inner_;
  std::chrono::steady_clock::time_point created_;
  mutable std::mutex mutex_;
  std::vector<TimedStep> steps_;
};

/// The report, one line per program in the order they started, then the
/// driver's own time (when no program ran: reads side by side overlap) and
/// the total:
///   dotk8s: timings (wall seconds)
///      0.41  helm     rendering the release (planning)
///     ...
///      0.02  dotk8s   (itself: parsing, planning, checks)
///      9.80           total
std::string FormatTimings(const std::vector<TimedStep>& steps, double total_seconds);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_PROGRAMS_TIMINGS_H_
