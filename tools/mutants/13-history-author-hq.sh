# 13-history-author-hq — history commits name HQ, not the branch, as the author
FILE=daemon/history.c
TESTS=60_history
FROM='snprintf(site, sizeof(site), "%s", author_site ? author_site : me);'
TO='snprintf(site, sizeof(site), "%s", me);'
