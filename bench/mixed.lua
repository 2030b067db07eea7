-- 80% reads (lots, own bookings, own stats), 20% book/release.
local i = 0
local reads = { "/api/lots", "/api/bookings?limit=20", "/api/stats/user", "/api/lots" }
request = function()
  i = i + 1
  if i % 10 == 0 then
    local r = release_request()
    if r then return r end
  end
  if i % 10 == 5 or i % 10 == 0 then return book_request(i) end
  return wrk.format("GET", reads[(i % #reads) + 1], { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end
response = function(status, headers, body) remember_booking(status, body) end
