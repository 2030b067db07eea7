-- Authenticated GET /api/lots/{id}: one lot's page, over many users' tokens and the lots.
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/lots/" .. ((i % lots) + 1),
    { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end
