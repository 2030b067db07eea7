-- POST /auth/login: the cost of Argon2id on purpose (m=19 MiB, t=2, p=1).
request = function()
  return wrk.format("POST", "/auth/login", { ["Content-Type"] = "application/json" },
    '{"email":"bench1@example.com","password":"bench-password"}')
end
