#pragma once
// Reads an iCalendar file back with libical for the calendar tests (unit and black-box):
// the METHOD and the properties of its first VEVENT that docs/api.md "Calendar" names.

#include <libical/ical.h>

#include <cstdint>
#include <memory>
#include <string>

namespace parkd::testing {

struct IcalReading {
  bool parsed = false;
  icalproperty_method method = ICAL_METHOD_NONE;
  int events = 0;
  int errors = 0;  // X-LIC-ERROR properties: what libical could not read
  std::string uid, summary, location, description, organizer, organizer_cn, attendee, attendee_cn;
  int sequence = -1;
  icalproperty_status status = ICAL_STATUS_NONE;
  bool start_utc = false, end_utc = false;
  std::int64_t start = 0, end = 0;  // Unix seconds
};

namespace detail {
inline std::string text_of(const char* s) { return s == nullptr ? "" : s; }
inline std::string cn_of(icalproperty* p) {
  icalparameter* cn = p ? icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER) : nullptr;
  return cn ? text_of(icalparameter_get_cn(cn)) : "";
}
struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
}  // namespace detail

inline IcalReading read_ical(const std::string& text) {
  using detail::text_of;
  IcalReading out;
  std::unique_ptr<icalcomponent, detail::ComponentFree> cal(icalparser_parse_string(text.c_str()));
  if (!cal) return out;
  out.parsed = true;
  out.method = icalcomponent_get_method(cal.get());
  out.errors = icalcomponent_count_errors(cal.get());
  out.events = icalcomponent_count_components(cal.get(), ICAL_VEVENT_COMPONENT);
  icalcomponent* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT);
  if (ev == nullptr) return out;
  out.uid = text_of(icalcomponent_get_uid(ev));
  out.summary = text_of(icalcomponent_get_summary(ev));
  out.location = text_of(icalcomponent_get_location(ev));
  out.description = text_of(icalcomponent_get_description(ev));
  out.sequence = icalcomponent_get_sequence(ev);
  out.status = icalcomponent_get_status(ev);
  icaltimetype start = icalcomponent_get_dtstart(ev), end = icalcomponent_get_dtend(ev);
  out.start_utc = icaltime_is_utc(start);
  out.end_utc = icaltime_is_utc(end);
  out.start = static_cast<std::int64_t>(icaltime_as_timet(start));
  out.end = static_cast<std::int64_t>(icaltime_as_timet(end));
  icalproperty* org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
  out.organizer = org ? text_of(icalproperty_get_organizer(org)) : "";
  out.organizer_cn = detail::cn_of(org);
  icalproperty* att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
  out.attendee = att ? text_of(icalproperty_get_attendee(att)) : "";
  out.attendee_cn = detail::cn_of(att);
  return out;
}

}  // namespace parkd::testing
