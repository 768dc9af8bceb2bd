"""Who we reach: residents and their channel identities (campaigns and 无废细胞 follow)."""
