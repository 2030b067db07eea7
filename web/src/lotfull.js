// What to tell a driver whose "Park now" got 409 `lot_full`, worked out from the lot's
// spots as the booking page shows them (GET /api/lots/{id}/spots): a later reservation is
// suggested only when it can succeed.
//
// A spot is held open-endedly when a booking with no end holds it: it is occupied now and
// no reservation listed for it covers now (a reservation stays listed until its end), so
// a car parked without an end time is on it; or a listed reservation has no end. No later
// reservation fits on such a spot until that booking is released.
const covers = (r, now) => r.end != null && Date.parse(r.start) <= now && now < Date.parse(r.end)

export function heldOpenEnded(spot, now = Date.now()) {
  const reservations = spot.reservations || []
  if (reservations.some((r) => r.end == null)) return true
  return spot.status === 'Occupied' && !reservations.some((r) => covers(r, now))
}

export function lotFullAdvice(spots, now = Date.now()) {
  const open = spots.filter((s) => heldOpenEnded(s, now)).length
  if (spots.length && open === spots.length) {
    return (
      'Every spot is taken by a car parked with no end time, so no spot can be booked, ' +
      'now or for later, until one of them leaves. Try another lot.'
    )
  }
  return 'Every spot is taken or reserved. Try reserving a later window.'
}
