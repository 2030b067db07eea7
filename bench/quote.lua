-- Authenticated POST /api/quote as the booking form sends it while a driver fills it in
-- (web/src/views/driver/LotBook.vue): alternately an immediate booking and a reservation
-- (a 1-4 h window starting 1-24 h from now, written as the browser's toISOString()
-- does), each with a vehicle number, over many users' tokens and the lots. Nothing is
-- committed; compare its req/s with the `lot` scenario (GET /api/lots/{id}). No response
-- function (it would cost wrk a Lua call per answer that `lot` does not pay): an answer
-- other than 200 shows as an error in the table.
local i = 0
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:00.000Z", t) end
request = function()
  i = i + 1
  local lot = (math.floor(i / 2) % lots) + 1
  local vehicle = "Q " .. (i % 9000 + 1000)
  local body
  if i % 2 == 0 then
    body = string.format('{"lot_id":%d,"booking_type":"immediate","vehicle_number":"%s"}', lot, vehicle)
  else
    local start = os.time() + 3600 * (1 + i % 24)
    body = string.format('{"lot_id":%d,"booking_type":"reserved","vehicle_number":"%s",'
      .. '"reserved_start":"%s","reserved_end":"%s"}', lot, vehicle, iso(start), iso(start + 3600 * (1 + i % 4)))
  end
  return wrk.format("POST", "/api/quote",
    { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1], ["Content-Type"] = "application/json" }, body)
end
