#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace dotk8s {

unsigned ThreadsFor(const std::vector<Document>& docs, unsigned requested) {
  if (requested != 0) return requested;
  std::size_t total = 0;
  for (const Document& doc : docs) total += doc.raw.size();
  if (total < (std::size_t{512} << 10)) return 1;
  return std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
}

void ForEachDocument(const std::vector<Document>& docs, unsigned threads, const std::function<void(std::size_t)>& fn) {
  if (threads <= 1 || docs.size() < 2) {
    for (std::size_t i = 0; i < docs.size(); ++i) fn(i);
    return;
  }
  // Each thread takes the next document as it finishes one, largest first:
  // a static split by bytes left one thread idle while the other read the few
  // large rule files that hold most of placement's work.
  std::vector<std::size_t> order(docs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&docs](std::size_t a, std::size_t b) { return docs[a].raw.size() > docs[b].raw.size(); });
  std::atomic<std::size_t> next{0};
  auto work = [&next, &order, &fn] {
    for (std::size_t k = next.fetch_add(1, std::memory_order_relaxed); k < order.size();
         k = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(order[k]);
    }
  };
  // The calling thread works too: one thread fewer to start.
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
}

}  // namespace dotk8s
