// --timings (timings.h): what each program took, and the driver's own time
// as the wall time no program covered (reads side by side overlap).
#include "driver/programs/timings.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace dotk8s::testing {
namespace {

TEST(DriverTimingsTest, OverlappingReadsCountOnceTowardsTheProgramsTime) {
  const std::vector<TimedStep> steps = {
      {"helm", "upgrading", 2.0, 5.0, true},
      {"kubectl", "reading deployments.apps -n keda", 0.5, 0.3, true},
      {"kubectl", "reading apiservices.apiregistration.k8s.io", 0.6, 0.3, false},
      {"helm", "asking helm for its version", 0.0, 0.1, true},
  };
  // Programs ran over [0, 0.1], [0.5, 0.9] and [2, 7]: 5.5 s of 8.
  EXPECT_EQ(FormatTimings(steps, 8.0),
            "dotk8s: timings (wall seconds, in the order the programs started)\n"
            "     0.10  helm     asking helm for its version\n"
            "     0.30  kubectl  reading deployments.apps -n keda\n"
            "     0.30  kubectl  reading apiservices.apiregistration.k8s.io (failed)\n"
            "     5.00  helm     upgrading\n"
            "     2.50  dotk8s   (itself: options, planning, checks, between the programs)\n"
            "     8.00           total\n");
}

// The runner times what really runs: a real process, its purpose, its outcome.
TEST(DriverTimingsTest, TheRunnerTimesEachProgram) {
  SystemProcessRunner system;
  TimingRunner runner(&system);
  Command sleep;
  sleep.argv = {"/bin/sleep", "0.2"};
  sleep.purpose = "sleeping";
  EXPECT_TRUE(runner.Run(sleep).Ok());
  Command fails;
  fails.argv = {"/bin/false"};
  EXPECT_FALSE(runner.Run(fails).Ok());
  const std::vector<TimedStep> steps = runner.Steps();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].program, "sleep");
  EXPECT_EQ(steps[0].purpose, "sleeping");
  EXPECT_GE(steps[0].seconds, 0.2);
  EXPECT_TRUE(steps[0].ok);
  EXPECT_EQ(steps[1].purpose, "/bin/false");  // no purpose: the command line
  EXPECT_FALSE(steps[1].ok);
  EXPECT_GE(steps[1].start, steps[0].start + steps[0].seconds);
}

}  // namespace
}  // namespace dotk8s::testing
