#ifndef DOTK8S_SCHEMA_ADAPTER_H_
#define DOTK8S_SCHEMA_ADAPTER_H_

// A valijson adapter over JsonValue, so valijson sees real JSON types (the
// yaml-cpp adapter treats every scalar as a string and cannot tell 80 from
// "80"). Shaped like valijson's own adapters: thin wrappers holding a pointer
// into the tree, which must outlive them. Include only from .cc files: it
// pulls in valijson.

#ifndef VALIJSON_USE_EXCEPTIONS
#define VALIJSON_USE_EXCEPTIONS 1
#endif

#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>

#include <cstdint>
#include <iterator>
#include <string>
#include <utility>

#include "core/validation/schema_value.h"

namespace dotk8s {

class JsonValueAdapter;
class JsonArrayIterator;
class JsonObjectIterator;

using JsonObjectMember = std::pair<std::string, JsonValueAdapter>;

/// Empty collections for valijson's default-constructed views.
inline const JsonValue& EmptyJsonArray() {
  static const JsonValue empty = JsonValue::Array();
  return empty;
}
inline const JsonValue& EmptyJsonObject() {
  static const JsonValue empty = JsonValue::Object();
  return empty;
}

/// A sequence, as valijson iterates it.
class JsonArrayView {
 public:
  using const_iterator = JsonArrayIterator;
  using iterator = JsonArrayIterator;

  JsonArrayView() : value_(&EmptyJsonArray()) {}
  explicit JsonArrayView(const JsonValue* value) : value_(value) {}
  JsonArrayIterator begin() const;
  JsonArrayIterator end() const;
  std::size_t size() const { return value_->array.size(); }

 private:
  const JsonValue* value_;
};

/// A mapping, as valijson iterates and searches it.
class JsonObjectView {
 public:
  using const_iterator = JsonObjectIterator;
  using iterator = JsonObjectIterator;

  JsonObjectView() : value_(&EmptyJsonObject()) {}
  explicit JsonObjectView(const JsonValue* value) : value_(value) {}
  JsonObjectIterator begin() const;
  JsonObjectIterator end() const;
  JsonObjectIterator find(const std::string& name) const;
  std::size_t size() const { return value_->object.size(); }

 private:
  const JsonValue* value_;
};

/// A copy of a value that outlives the tree (enum and const values).
class JsonFrozenValue : public valijson::adapters::FrozenValue {
 public:
  explicit JsonFrozenValue(JsonValue value) : value_(std::move(value)) {}
  FrozenValue* clone() const override { return new JsonFrozenValue(value_); }
  bool equalTo(const valijson::adapters::Adapter& other, bool strict) const override;

 private:
  JsonValue value_;
};

/// The value interface BasicAdapter asks for.
class JsonValueRef {
 public:
  JsonValueRef() : value_(&EmptyJsonObject()) {}
  explicit JsonValueRef(const JsonValue* value) : value_(value) {}

  valijson::adapters::FrozenValue* freeze() const { return new JsonFrozenValue(*value_); }

  opt::optional<JsonArrayView> getArrayOptional() const {
    if (value_->IsArray()) return opt::make_optional(JsonArrayView(value_));
    return {};
  }
  bool getArraySize(std::size_t& result) const {
    if (!value_->IsArray()) return false;
    result = value_->array.size();
    return true;
  }
  bool getBool(bool& result) const {
    if (value_->type != JsonValue::Type::kBool) return false;
    result = value_->boolean;
    return true;
  }
  bool getDouble(double& result) const {
    if (value_->type != JsonValue::Type::kNumber) return false;
    result = value_->number;
    return true;
  }
  bool getInteger(std::int64_t& result) const {
    if (value_->type != JsonValue::Type::kInteger) return false;
    result = value_->integer;
    return true;
  }
  opt::optional<JsonObjectView> getObjectOptional() const {
    if (value_->IsObject()) return opt::make_optional(JsonObjectView(value_));
    return {};
  }
  bool getObjectSize(std::size_t& result) const {
    if (!value_->IsObject()) return false;
    result = value_->object.size();
    return true;
  }
  bool getString(std::string& result) const {
    if (!value_->IsString()) return false;
    result = value_->string;
    return true;
  }
  static bool hasStrictTypes() { return true; }
  bool isArray() const { return value_->IsArray(); }
  bool isBool() const { return value_->type == JsonValue::Type::kBool; }
  bool isDouble() const { return value_->type == JsonValue::Type::kNumber; }
  bool isInteger() const { return value_->type == JsonValue::Type::kInteger; }
  bool isNull() const { return value_->IsNull(); }
  bool isNumber() const { return isInteger() || isDouble(); }
  bool isObject() const { return value_->IsObject(); }
  bool isString() const { return value_->IsString(); }

 private:
  const JsonValue* value_;
};

/// The adapter valijson's SchemaParser and Validator take.
class JsonValueAdapter : public valijson::adapters::BasicAdapter<JsonValueAdapter, JsonArrayView, JsonObjectMember,
                                                                 JsonObjectView, JsonValueRef> {
 public:
  JsonValueAdapter() : BasicAdapter() {}
  explicit JsonValueAdapter(const JsonValue& value) : BasicAdapter(JsonValueRef(&value)) {}
};

class JsonArrayIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = JsonValueAdapter;
  using difference_type = std::ptrdiff_t;
  using pointer = JsonValueAdapter*;
  using reference = JsonValueAdapter&;

  explicit JsonArrayIterator(std::vector<JsonValue>::const_iterator it) : it_(it) {}
  JsonValueAdapter operator*() const { return JsonValueAdapter(*it_); }
  valijson::adapters::DerefProxy<JsonValueAdapter> operator->() const {
    return valijson::adapters::DerefProxy<JsonValueAdapter>(**this);
  }
  bool operator==(const JsonArrayIterator& other) const { return it_ == other.it_; }
  bool operator!=(const JsonArrayIterator& other) const { return it_ != other.it_; }
  const JsonArrayIterator& operator++() {
    ++it_;
    return *this;
  }
  JsonArrayIterator operator++(int) {
    JsonArrayIterator before = *this;
    ++it_;
    return before;
  }
  const JsonArrayIterator& operator--() {
    --it_;
    return *this;
  }
  void advance(std::ptrdiff_t n) { it_ += n; }

 private:
  std::vector<JsonValue>::const_iterator it_;
};

class JsonObjectIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = JsonObjectMember;
  using difference_type = std::ptrdiff_t;
  using pointer = JsonObjectMember*;
  using reference = JsonObjectMember&;

  explicit JsonObjectIterator(std::vector<std::pair<std::string, JsonValue>>::const_iterator it) : it_(it) {}
  JsonObjectMember operator*() const { return JsonObjectMember(it_->first, JsonValueAdapter(it_->second)); }
  valijson::adapters::DerefProxy<JsonObjectMember> operator->() const {
    return valijson::adapters::DerefProxy<JsonObjectMember>(**this);
  }
  bool operator==(const JsonObjectIterator& other) const { return it_ == other.it_; }
  bool operator!=(const JsonObjectIterator& other) const { return it_ != other.it_; }
  const JsonObjectIterator& operator++() {
    ++it_;
    return *this;
  }
  JsonObjectIterator operator++(int) {
    JsonObjectIterator before = *this;
    ++it_;
    return before;
  }
  const JsonObjectIterator& operator--() {
    --it_;
    return *this;
  }

 private:
  std::vector<std::pair<std::string, JsonValue>>::const_iterator it_;
};

inline JsonArrayIterator JsonArrayView::begin() const { return JsonArrayIterator(value_->array.begin()); }
inline JsonArrayIterator JsonArrayView::end() const { return JsonArrayIterator(value_->array.end()); }
inline JsonObjectIterator JsonObjectView::begin() const { return JsonObjectIterator(value_->object.begin()); }
inline JsonObjectIterator JsonObjectView::end() const { return JsonObjectIterator(value_->object.end()); }
inline JsonObjectIterator JsonObjectView::find(const std::string& name) const {
  for (auto it = value_->object.begin(); it != value_->object.end(); ++it) {
    if (it->first == name) return JsonObjectIterator(it);
  }
  return end();
}

inline bool JsonFrozenValue::equalTo(const valijson::adapters::Adapter& other, bool strict) const {
  return JsonValueAdapter(value_).equalTo(other, strict);
}

}  // namespace dotk8s

namespace valijson::adapters {

template <>
struct AdapterTraits<dotk8s::JsonValueAdapter> {
  using DocumentType = dotk8s::JsonValue;
  static std::string adapterName() { return "JsonValueAdapter"; }
};

}  // namespace valijson::adapters

#endif  // DOTK8S_SCHEMA_ADAPTER_H_
