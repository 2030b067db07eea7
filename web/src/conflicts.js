// The contract's 409 answers about lots and spots, explained in words for an operator.
export function explainConflict(e, lot) {
  if (!e || e.status !== 409) return ''
  switch (e.code) {
    case 'lot_name_taken':
      return 'Lot names must be unique; choose another name.'
    case 'spots_in_use': {
      const n = e.body?.removable_spots
      const min = lot && typeof n === 'number' ? lot.capacity - n : null
      return (
        'Shrinking removes only the highest-numbered spots that are free now and have no upcoming reservation; ' +
        'nothing was changed.' +
        (typeof n === 'number'
          ? ` Right now ${n} spot${n === 1 ? '' : 's'} can go${min !== null ? `, so the smallest capacity possible is ${Math.max(min, 1)}` : ''}.`
          : '') +
        ' Wait for the stays to end, or cancel the reservations, then try again.'
      )
    }
    case 'lot_in_use':
      return (
        'A lot can only be deleted when no booking is in force on it and no reservation is upcoming; nothing was deleted. ' +
        'Release or cancel those bookings first (Bookings, filtered by this lot). Past bookings stay in everyone’s history.'
      )
    case 'spot_in_use':
      return 'This spot has a booking in force or an upcoming reservation, so it cannot be removed now; nothing was changed.'
    case 'last_spot':
      return 'A lot must keep at least one spot. Delete the whole lot instead.'
    default:
      return 'The current state of the lot does not allow this change; nothing was changed.'
  }
}
