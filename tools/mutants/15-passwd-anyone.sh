# 15-passwd-anyone — anyone may set anyone's PIN
FILE=client/cmd_staff.c
TESTS=90_roles
FROM='if (cli->role[0] && strcmp(cli->role, "admin") != 0 &&'
TO='if (0 && cli->role[0] && strcmp(cli->role, "admin") != 0 &&'
