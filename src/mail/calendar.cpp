// Builds a reservation's iCalendar file with libical (see calendar.h for the contract).
#include "mail/calendar.h"

#include "mail/message.h"

#include <libical/ical.h>

#include <ctime>
#include <memory>

namespace parkd::mail {
namespace {

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentFree>;

icaltimetype utc_time(Timestamp t) {
  return icaltime_from_timet_with_zone(static_cast<time_t>(to_unix(t)), 0,
                                       icaltimezone_get_utc_timezone());
}

std::string mailto(std::string_view email) { return "mailto:" + std::string(email); }

// ORGANIZER or ATTENDEE: the address as a mailto URI, the display name as CN (libical
// quotes it, and encodes a double quote per RFC 6868).
icalproperty* with_name(icalproperty* party, const std::string& name) {
  if (!name.empty()) icalproperty_add_parameter(party, icalparameter_new_cn(name.c_str()));
  return party;
}

std::string description(const Booking& b) {
  std::string text = "parkd booking #" + std::to_string(b.id) + ": spot " +
                     std::to_string(b.spot_number) + " at " + b.lot_name + ".";
  if (b.vehicle_number) text += "\nVehicle: " + *b.vehicle_number;
  return text;
}

icalcomponent* event(const Booking& b, std::string_view lot_address, const User& owner,
                     const CalendarParty& organizer, Timestamp stamp, bool cancelled) {
  std::string uid = reservation_uid(b, address_domain(organizer.email));
  std::string summary = "Parking at " + b.lot_name + ", spot " + std::to_string(b.spot_number);
  std::string location = lot_address.empty() ? b.lot_name : std::string(lot_address);
  std::string about = description(b);

  icalcomponent* ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
  icalcomponent_add_property(ev, icalproperty_new_uid(uid.c_str()));
  icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(stamp)));
  icalcomponent_add_property(ev, icalproperty_new_created(utc_time(b.created_at)));
  icalcomponent_add_property(ev,
                             icalproperty_new_sequence(static_cast<int>(reservation_sequence(b))));
  icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(*b.reserved_start)));
  icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(*b.reserved_end)));
  icalcomponent_add_property(ev, icalproperty_new_summary(summary.c_str()));
  icalcomponent_add_property(ev, icalproperty_new_location(location.c_str()));
  icalcomponent_add_property(ev, icalproperty_new_description(about.c_str()));
  icalcomponent_add_property(
      ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
  icalcomponent_add_property(
      ev, with_name(icalproperty_new_organizer(mailto(organizer.email).c_str()), organizer.name));
  // The owner booked it: accepted already, no reply wanted.
  icalproperty* guest = with_name(icalproperty_new_attendee(mailto(owner.email).c_str()),
                                  owner.username.value_or(""));
  icalproperty_add_parameter(guest, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
  icalproperty_add_parameter(guest, icalparameter_new_partstat(ICAL_PARTSTAT_ACCEPTED));
  icalproperty_add_parameter(guest, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
  icalcomponent_add_property(ev, guest);
  return ev;
}

}  // namespace

std::string CalendarFile::content_type() const {
  return std::string("text/calendar; charset=utf-8; method=") +
         (method == CalendarMethod::cancel ? "CANCEL" : "REQUEST");
}

std::string reservation_uid(const Booking& booking, std::string_view domain) {
  return "parkd-booking-" + std::to_string(booking.id) + "-" +
         std::to_string(to_unix(booking.created_at)) + "@" + std::string(domain);
}

std::int64_t reservation_sequence(const Booking& booking) {
  auto window = *booking.reserved_end - *booking.reserved_start;
  return window.count() + (booking.stored_status == BookingStatus::cancelled ? 1 : 0);
}

Result<CalendarFile> reservation_calendar(const Booking& booking, std::string_view lot_address,
                                          const User& owner, const CalendarParty& organizer,
                                          Timestamp stamp) {
  if (booking.type != BookingType::reserved || !booking.reserved_start || !booking.reserved_end) {
    return Error::conflict("booking_open_ended",
                           "An immediate booking lasts until it is released: it has no calendar "
                           "entry; only reservations do");
  }
  bool cancelled = booking.stored_status == BookingStatus::cancelled;
  CalendarFile file;
  file.method = cancelled ? CalendarMethod::cancel : CalendarMethod::request;
  Component calendar(icalcomponent_vanew(
      ICAL_VCALENDAR_COMPONENT, icalproperty_new_prodid("-//parkd//parkd " PARKD_VERSION "//EN"),
      icalproperty_new_version("2.0"), icalproperty_new_calscale("GREGORIAN"),
      icalproperty_new_method(cancelled ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST),
      static_cast<void*>(nullptr)));
  if (!calendar) return Error::internal("libical could not create a calendar");
  icalcomponent_add_component(calendar.get(),
                              event(booking, lot_address, owner, organizer, stamp, cancelled));
  char* text = icalcomponent_as_ical_string_r(calendar.get());
  if (text == nullptr) return Error::internal("libical could not serialise the calendar");
  file.text = text;
  icalmemory_free_buffer(text);  // the _r variant hands its buffer to the caller
  return file;
}

}  // namespace parkd::mail
