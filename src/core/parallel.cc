#include "core/parallel.h"

#include <algorithm>
#include <thread>

namespace dotk8s {

unsigned ThreadsFor(const std::vector<Document>& docs, unsigned requested) {
  if (requested != 0) return requested;
  std::size_t total = 0;
  for (const Document& doc : docs) total += doc.raw.size();
  if (total < (std::size_t{1} << 20)) return 1;
  return std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
}

void ForEachDocument(const std::vector<Document>& docs, unsigned threads, const std::function<void(std::size_t)>& fn) {
  auto run = [&fn](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) fn(i);
  };
  if (threads <= 1 || docs.size() < 2) {
    run(0, docs.size());
    return;
  }
  std::size_t total = 0;
  for (const Document& doc : docs) total += doc.raw.size();
  std::vector<std::size_t> cuts{0};
  const std::size_t share = total / threads + 1;
  std::size_t acc = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    acc += docs[i].raw.size();
    if (acc >= share * cuts.size() && cuts.size() < threads) cuts.push_back(i + 1);
  }
  cuts.push_back(docs.size());
  // The calling thread takes the first share itself: one thread fewer to start.
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t + 1 < cuts.size(); ++t) {
    if (cuts[t] < cuts[t + 1]) workers.emplace_back(run, cuts[t], cuts[t + 1]);
  }
  run(cuts[0], cuts[1]);
  for (std::thread& worker : workers) worker.join();
}

}  // namespace dotk8s
