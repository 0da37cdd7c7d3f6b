// Runs a command many times with a file on stdin and stdout to /dev/null, the
// way Helm runs a post-renderer, and prints what bench/run.sh tabulates. No
// shell sits between: a shell's start-up would swamp `cat` on a 1.4 MB file
// (hyperfine 1.15 has no --input, and its shell correction is noise at that
// scale). Peak RSS comes from wait4's rusage, as GNU time's %M does.
//
// usage: dotk8s_bench_runner RUNS WARMUP INPUT -- COMMAND [ARGS...]
// prints: median_s mean_s min_s max_s cpu_median_s rss_median_kb rss_max_kb failed_runs
// and the stderr of the first failed run on stderr.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Sample {
  double wall = 0;
  double cpu = 0;
  long rss_kb = 0;
  int status = 0;
};

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

bool RunOnce(std::vector<char*>& argv, const char* input, const char* err_path, Sample* sample) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    std::fprintf(stderr, "dotk8s_bench_runner: cannot run %s: %s\n", argv[0], std::strerror(spawned));
    return false;
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) < 0) return false;
  const auto end = std::chrono::steady_clock::now();
  sample->wall = std::chrono::duration<double>(end - start).count();
  sample->cpu = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
  sample->rss_kb = usage.ru_maxrss;
  sample->status = status;
  return true;
}

template <typename T>
T Median(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || std::strcmp(argv[4], "--") != 0) {
    std::fprintf(stderr, "usage: dotk8s_bench_runner RUNS WARMUP INPUT -- COMMAND [ARGS...]\n");
    return 2;
  }
  const int runs = std::max(1, std::atoi(argv[1]));
  const int warmup = std::max(0, std::atoi(argv[2]));
  const char* input = argv[3];
  std::vector<char*> command(argv + 5, argv + argc);
  command.push_back(nullptr);
  char err_path[] = "/tmp/dotk8s-bench-stderr-XXXXXX";
  const int err_fd = mkstemp(err_path);
  if (err_fd < 0) return 1;
  close(err_fd);

  std::vector<Sample> samples;
  int failed = 0;
  bool reported = false;
  for (int i = 0; i < warmup + runs; ++i) {
    Sample sample;
    if (!RunOnce(command, input, err_path, &sample)) return 1;
    const bool ok = WIFEXITED(sample.status) && WEXITSTATUS(sample.status) == 0;
    if (!ok) {
      ++failed;
      if (!reported) {
        reported = true;
        std::fprintf(stderr, "dotk8s_bench_runner: %s exited with status %d; its stderr:\n", command[0],
                     WIFEXITED(sample.status) ? WEXITSTATUS(sample.status) : 128 + WTERMSIG(sample.status));
        if (FILE* err = std::fopen(err_path, "r")) {
          char line[4096];
          for (int n = 0; n < 20 && std::fgets(line, sizeof line, err) != nullptr; ++n) std::fputs(line, stderr);
          std::fclose(err);
        }
      }
    }
    if (i >= warmup) samples.push_back(sample);
  }
  unlink(err_path);

  std::vector<double> wall;
  std::vector<double> cpu;
  std::vector<long> rss;
  double total = 0;
  for (const Sample& s : samples) {
    wall.push_back(s.wall);
    cpu.push_back(s.cpu);
    rss.push_back(s.rss_kb);
    total += s.wall;
  }
  std::printf("%.6f %.6f %.6f %.6f %.6f %ld %ld %d\n", Median(wall), total / static_cast<double>(samples.size()),
              *std::min_element(wall.begin(), wall.end()), *std::max_element(wall.begin(), wall.end()), Median(cpu),
              Median(rss), *std::max_element(rss.begin(), rss.end()), failed);
  return 0;
}
