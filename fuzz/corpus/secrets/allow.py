GITHUB_TOKEN = "ghp_k3J9mN2pQ7rS5tV8wX1yZ4aB6cD0eF2gH5iJ"  # mlsecops:allow
# pragma: allowlist nextline secret
x = "ghp_k3J9mN2pQ7rS5tV8wX1yZ4aB6cD0eF2gH5iJ"
