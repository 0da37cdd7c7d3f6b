#ifndef DOTK8S_PARALLEL_H_
#define DOTK8S_PARALLEL_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "core/document.h"

namespace dotk8s {

/// The threads worth using on `docs`: `requested` if not 0, else one below
/// 1 MB (measured: at 0.7 MB a second thread saves nothing, at the five
/// charts' 1.5 MB it saves a tenth), else one per core, up to 4.
unsigned ThreadsFor(const std::vector<Document>& docs, unsigned requested);

/// Calls `fn(i)` for every document index, on `threads` threads that each take
/// a run of documents of about the same size in bytes (one CRD can outweigh a
/// hundred Services). `fn` must only touch document i and what it owns.
void ForEachDocument(const std::vector<Document>& docs, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace dotk8s

#endif  // DOTK8S_PARALLEL_H_
