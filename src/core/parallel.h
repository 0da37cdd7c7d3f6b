#ifndef DOTK8S_PARALLEL_H_
#define DOTK8S_PARALLEL_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "core/yaml/document.h"

namespace dotk8s {

/// The threads worth using on `docs`: `requested` if not 0, else one below
/// 512 KB (a thread's start and its fresh memory cost more than it saves
/// there; measured: a second thread saves 12% at 0.66 MB and 18% at 0.8 MB),
/// else one per core, up to 4.
unsigned ThreadsFor(const std::vector<Document>& docs, unsigned requested);

/// Calls `fn(i)` for every document index, on `threads` threads (the caller
/// among them) that each take the next document when done with one, the
/// largest first (one CRD can outweigh a hundred Services). `fn` must only
/// touch document i and what it owns.
void ForEachDocument(const std::vector<Document>& docs, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace dotk8s

#endif  // DOTK8S_PARALLEL_H_
