// A grammar-based differential test of the fast outline scanner against
// libyaml. A small random grammar writes many thousands of short documents:
// block mappings and sequences, one-line flow sequences and mappings, plain,
// quoted and odd scalars (`?x`, `:a`, `-`, `a:b`, `#`, `,`, `[`, `{`),
// anchors, aliases, tags and empty values. Its pieces are joined as text, so
// a good share of the documents are not YAML at all. On every document the
// fast scanner must either step aside or give libyaml's outline exactly
// (fuzz/outline_compare.h), under every option set the passes use; where
// libyaml errors it must step aside. The seed is fixed: a failure names the
// document, and the same run finds it again.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "../fuzz/outline_compare.h"
#include "core/yaml/outline.h"

namespace dotk8s {
namespace {

class DocumentGrammar {
 public:
  explicit DocumentGrammar(std::uint64_t seed) : rng_(seed) {}

  std::string Document() {
    std::string text;
    if (Chance(30)) {
      text += "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + Pick(kWords) + "\n";
      if (Chance(50)) text += "  namespace: dot-system\n";
      if (Chance(30)) text += "  labels:" + BlockValue(2, 2);
    }
    if (text.empty() && Chance(15)) return BlockSequence(0, 0);
    text += BlockMapping(0, 0);
    return text;
  }

 private:
  static inline const std::vector<std::string> kWords = {"a", "x1", "dot-system", "svc.dot-system.svc", "b c"};

  // Scalars for both contexts: plain, quoted, and the odd ones whose first
  // or inner characters are indicators somewhere.
  static inline const std::vector<std::string> kScalars = {
      "a", "x1", "dot-system", "svc.dot-system.svc", "b c", "1", "~", "null", "-a", "-", "?x", "?", ":a", ":",
      "?:x", ":?x", "a:b", "a:", "a?b", "a?", "a#b", "a #b", "a,b", "a b", "http://h:80/p", "a:,", "a:]", "a:}",
      "a:?b", "a:[b", "a:{b", "a::b", "a]", "a}", "a[", "a{", "-:", "- a", "? a", ": a", "&x a", "*x", "!t a",
      "!!str a", "&x", "'q'", "'a''b'", "'a: b'", "'[x]'", "\"d\"", "\"a\\\"b\"", "\"\\x41\"", "\"\\q\"", "\"a: b\"",
      "\"{x}\"", "''", "\"\"", "'?x'", "\":a\"", "[", "{", "]", "}", ",", "#c", "|", ">", "@a", "%a", "`a", "a'b",
      "a\"b", "'a'b", "\"a\"b", "'a", "\"a"};

  static inline const std::vector<std::string> kKeys = {
      "a", "b", "k", "name", "namespace", "labels", "spec", "data", "dot-system", "'q k'", "\"dk\"", "?k", ":k",
      "-k", "k:k", "k?", "k#", "&a k", "*a", "!t k", "'?k'", "\"k:\"", "k k"};

  static inline const std::vector<std::string> kBlockHeads = {"|", ">", "|-", "|+", ">-", "|2", "| # c"};

  static inline const std::vector<std::string> kSeparators = {", ", ",", " ,", " , ", ",  "};

  std::size_t Index(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool Chance(std::size_t percent) { return Index(100) < percent; }
  const std::string& Pick(const std::vector<std::string>& list) { return list[Index(list.size())]; }

  std::string Spaces(std::size_t n) { return std::string(n, ' '); }

  std::string Comment() { return Chance(10) ? (Chance(80) ? " # c" : "#c") : ""; }

  std::string BlockMapping(std::size_t indent, int depth) {
    std::string text;
    const std::size_t entries = 1 + Index(3);
    for (std::size_t i = 0; i < entries; ++i) {
      text += Spaces(indent) + Pick(kKeys) + (Chance(95) ? ":" : "") + BlockValue(indent, depth + 1);
    }
    return text;
  }

  std::string BlockSequence(std::size_t indent, int depth) {
    std::string text;
    const std::size_t items = 1 + Index(3);
    for (std::size_t i = 0; i < items; ++i) {
      text += Spaces(indent) + "-";
      const std::size_t choice = Index(depth >= 3 ? 4 : 6);
      if (choice == 0) {
        text += Comment() + "\n";  // an empty item
      } else if (choice == 1) {
        text += " " + Pick(kScalars) + Comment() + "\n";
      } else if (choice == 2 || choice == 3) {
        text += " " + FlowCollection(depth + 1) + Comment() + "\n";
      } else if (choice == 4) {
        // `- k: v` and its further keys two columns in.
        const std::string mapping = BlockMapping(indent + 2, depth + 1);
        text += " " + mapping.substr(indent + 2);
      } else {
        text += "\n" + BlockSequence(indent + 2, depth + 1);
      }
    }
    return text;
  }

  // What follows `key:` up to and including its line break (and the nested
  // block collection, if any).
  std::string BlockValue(std::size_t indent, int depth) {
    const std::size_t choice = Index(depth >= 3 ? 5 : 10);
    switch (choice) {
      case 0:
        return Comment() + "\n";  // null
      case 1:
      case 2:
        return " " + Pick(kScalars) + Comment() + "\n";
      case 3:
      case 4:
        return " " + FlowCollection(depth) + Comment() + "\n";
      case 5:
        return Comment() + "\n" + BlockMapping(indent + 2, depth);
      case 6:
        return Comment() + "\n" + BlockSequence(Chance(50) ? indent : indent + 2, depth);
      case 7:
        return std::string(" ") + (Chance(50) ? "&x " : "!t ") + FlowCollection(depth) + "\n";
      case 8:
        // A block scalar, or a plain or flow value going on over a second line.
        return " " + Pick(kBlockHeads) + "\n" + Spaces(indent + 2) + Pick(kScalars) + "\n" +
               (Chance(50) ? Spaces(indent + 2 + Index(2)) + Pick(kScalars) + "\n" : "");
      default:
        return " " + (Chance(50) ? Pick(kScalars) : FlowCollection(depth).substr(0, 1) + Pick(kScalars)) + "\n" +
               Spaces(indent + Index(4)) + Pick(kScalars) + (Chance(50) ? "]" : "") + "\n";
    }
  }

  std::string FlowCollection(int depth) {
    if (Chance(8)) return Chance(50) ? "[]" : "{}";
    return Chance(55) ? FlowSequence(depth) : FlowMapping(depth);
  }

  std::string FlowNode(int depth) {
    if (depth < 4 && Chance(20)) return FlowCollection(depth + 1);
    return Pick(kScalars);
  }

  std::string FlowKey(int depth) {
    if (depth < 4 && Chance(5)) return FlowCollection(depth + 1);
    return Pick(Chance(50) ? kKeys : kScalars);
  }

  std::string Separator() {
    if (Chance(3)) return " ";  // a missing comma
    return Pick(kSeparators);
  }

  std::string FlowSequence(int depth) {
    std::string text = Chance(90) ? "[" : "[ ";
    if (Chance(3)) text += ", ";
    const std::size_t items = Index(4);
    for (std::size_t i = 0; i < items; ++i) {
      if (i > 0) text += Separator();
      const std::size_t choice = Index(12);
      if (choice < 7) {
        text += FlowNode(depth);
      } else if (choice == 7) {
        text += FlowKey(depth) + ": " + FlowNode(depth);  // a single pair
      } else if (choice == 8) {
        text += "? " + FlowKey(depth);
      } else if (choice == 9) {
        text += "?" + FlowKey(depth);
      } else if (choice == 10) {
        text += FlowKey(depth) + ":" + (Chance(50) ? "" : FlowNode(depth));
      } else {
        text += ":" + FlowNode(depth);
      }
    }
    if (items > 0 && Chance(10)) text += ",";
    if (Chance(10)) text += " ";
    return text + (Chance(97) ? "]" : "}");
  }

  std::string FlowMapping(int depth) {
    std::string text = Chance(90) ? "{" : "{ ";
    const std::size_t entries = Index(4);
    for (std::size_t i = 0; i < entries; ++i) {
      if (i > 0) text += Separator();
      const std::size_t choice = Index(12);
      if (choice < 6) {
        text += FlowKey(depth) + ": " + FlowNode(depth);
      } else if (choice == 6) {
        text += FlowKey(depth) + ":" + FlowNode(depth);
      } else if (choice == 7) {
        text += FlowKey(depth);  // a key without a value
      } else if (choice == 8) {
        text += "? " + FlowKey(depth) + (Chance(50) ? ": " + FlowNode(depth) : "");
      } else if (choice == 9) {
        text += "?" + FlowKey(depth) + ": " + FlowNode(depth);
      } else if (choice == 10) {
        text += FlowKey(depth) + ":" + (Chance(50) ? " " : "");
      } else {
        text += ": " + FlowNode(depth);
      }
    }
    if (entries > 0 && Chance(10)) text += ",";
    if (Chance(10)) text += " ";
    return text + (Chance(97) ? "}" : "]");
  }

  std::mt19937_64 rng_;
};

std::vector<OutlineOptions> OptionSets() {
  std::vector<OutlineOptions> sets(5);
  sets[1].needles = {"dot-system"};
  sets[2].all_scalars = true;
  sets[3].all_scalars = true;
  sets[3].capture_under = {{PathElement::Key("spec")}, {PathElement::Key("data"), PathElement::Key("k")}};
  sets[4].max_depth = 3;
  return sets;
}

struct Tally {
  std::size_t documents = 0;
  std::size_t libyaml_accepts = 0;  // under the default options
  std::size_t fast_accepts = 0;
  std::size_t fast_accepts_with_flow = 0;  // with a `[` or `{` somewhere
  std::size_t disagreements = 0;    // documents with at least one
};

TEST(FastOutlineGrammarTest, AgreesWithLibyamlOnGeneratedDocuments) {
  constexpr std::size_t kDocuments = 30000;
  DocumentGrammar grammar(0x5EED0DA7A5ull);
  const std::vector<OutlineOptions> sets = OptionSets();
  Tally tally;
  for (std::size_t n = 0; n < kDocuments; ++n) {
    const std::string raw = grammar.Document();
    ++tally.documents;
    Outline outline;
    YamlProblem problem;
    if (BuildOutlineWithLibyaml(raw, 0, sets[0], &outline, &problem)) ++tally.libyaml_accepts;
    std::string why;
    if (TryFastOutline(raw, 0, sets[0], &outline, &why)) {
      ++tally.fast_accepts;
      if (raw.find_first_of("[{") != std::string::npos) ++tally.fast_accepts_with_flow;
    }
    bool disagreed = false;
    for (std::size_t s = 0; s < sets.size(); ++s) {
      const std::string diff = fuzz::CheckFastAgainstLibyaml(raw, 0, sets[s]);
      if (diff.empty()) continue;
      disagreed = true;
      if (tally.disagreements < 20) {
        ADD_FAILURE() << "document " << n << " (option set " << s << "): " << diff << "\n" << raw;
      }
      break;
    }
    if (disagreed) ++tally.disagreements;
  }
  std::printf("generated %zu documents: libyaml accepts %zu, the fast scanner %zu (%zu with flow "
              "collections); %zu disagreements\n",
              tally.documents, tally.libyaml_accepts, tally.fast_accepts, tally.fast_accepts_with_flow,
              tally.disagreements);
  EXPECT_EQ(tally.disagreements, 0u);
  // The grammar must reach both outcomes often, or it tests little.
  EXPECT_GT(tally.libyaml_accepts, kDocuments / 5);
  EXPECT_GT(tally.fast_accepts, kDocuments / 10);
  EXPECT_GT(tally.fast_accepts_with_flow, kDocuments / 20);
}

}  // namespace
}  // namespace dotk8s
