#pragma once
// Holds the current value behind one exported interface and announces, with one
// PropertiesChanged signal, exactly the properties a new value changes. The adaptor's getters
// read current(); sd-bus reads them again to fill the signal, so the value is replaced first.
#include <sdbus-c++/IObject.h>

#include "dbus/property_fields.h"

namespace uplinkd::dbus {

template <typename Properties>
class PropertyMirror {
 public:
  explicit PropertyMirror(Properties initial) : current_(std::move(initial)) {}

  const Properties& current() const { return current_; }

  // Returns whether anything changed (and so a signal was queued).
  bool Replace(sdbus::IObject& object, const char* interface, Properties next) {
    auto changed = ChangedPropertyNames(current_, next);
    current_ = std::move(next);
    if (changed.empty()) return false;
    object.emitPropertiesChangedSignal(interface, changed);
    return true;
  }

 private:
  Properties current_;
};

}  // namespace uplinkd::dbus
