-- Book a spot (immediate), release it, repeat; over many users and lots.
-- Cycles/s = requests/s / 2.
local i = 0
request = function()
  local r = release_request()
  if r then return r end
  i = i + 1
  return book_request(i)
end
response = function(status, headers, body) remember_booking(status, body) end
