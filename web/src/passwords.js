// The password rules the server enforces (docs/api.md "Accounts"), checked before a form
// is sent so that the common mistakes are named at once. The list of common passwords
// stays on the server: a password it refuses comes back as a field error.
export const PASSWORD_HINT = '8 to 128 characters, not only white space, and not a common password.'

// Lengths count characters (code points), as the server does, not UTF-16 units.
export function passwordProblem(password) {
  const length = [...password].length
  if (length < 8) return 'At least 8 characters.'
  if (length > 128) return 'At most 128 characters.'
  if (!password.trim()) return 'Not only white space.'
  return ''
}
