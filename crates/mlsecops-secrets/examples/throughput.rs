//! Single-threaded throughput of `mlsecops_secrets::scan` on a generated, realistic corpus
//! (Python code, notebook JSON with outputs and a base64 image, YAML configs, markdown) with
//! sparse fake secrets.
//!
//! ```text
//! cargo run --release -p mlsecops-secrets --example throughput [MEGABYTES] [--write DIR]
//! ```
//! `--write DIR` also writes the corpus as files (used by `bench/secrets/run.sh`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::time::Instant;

/// Small deterministic PRNG (xorshift64*), so every run scans the same corpus.
struct Rng(u64, usize);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const CODE: &[&str] = &[
    "import torch\nimport torch.nn as nn\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n",
    "tokenizer = AutoTokenizer.from_pretrained(model_name, use_fast=True)\n",
    "model = AutoModelForCausalLM.from_pretrained(model_name, torch_dtype=torch.bfloat16, device_map=\"auto\")\n",
    "def train_epoch(model, loader, optimizer, scheduler, device):\n    model.train()\n    total_loss = 0.0\n",
    "    for step, batch in enumerate(loader):\n        input_ids = batch[\"input_ids\"].to(device)\n        labels = batch[\"labels\"].to(device)\n",
    "        outputs = model(input_ids=input_ids, attention_mask=batch[\"attention_mask\"].to(device), labels=labels)\n",
    "        loss = outputs.loss / args.gradient_accumulation_steps\n        loss.backward()\n",
    "    return total_loss / max(1, len(loader))\n\n",
    "api_key = os.environ[\"OPENAI_API_KEY\"]\nclient = OpenAI(api_key=api_key)\n",
    "max_new_tokens = 512\ntemperature = 0.7\ntop_p = 0.95\n",
    "pad_token_id = tokenizer.eos_token_id\nkey = jax.random.PRNGKey(0)\n",
    "df = pd.read_csv(\"data/train.csv\")\ndf[\"label\"] = df[\"label\"].astype(\"category\").cat.codes\n",
    "logger.info(\"epoch %d step %d loss %.4f lr %.2e\", epoch, step, loss.item(), scheduler.get_last_lr()[0])\n",
    "wandb.init(project=\"llm-finetune\", config=vars(args))\nwandb.log({\"loss\": loss, \"accuracy\": acc})\n",
    "class Attention(nn.Module):\n    def __init__(self, dim, heads=8):\n        super().__init__()\n        self.qkv = nn.Linear(dim, dim * 3, bias=False)\n",
    "    def forward(self, x, mask=None):\n        q, k, v = self.qkv(x).chunk(3, dim=-1)\n        attn = (q @ k.transpose(-2, -1)) * self.scale\n",
    "# Compute the access token budget for the request and the cache key for the response\n",
    "cache_key = f\"{model_name}:{hashlib.sha256(prompt.encode()).hexdigest()}\"\n",
];

const YAML: &[&str] = &[
    "model:\n  name: meta-llama/Llama-3.1-8B-Instruct\n  revision: main\n  dtype: bfloat16\n",
    "training:\n  learning_rate: 2.0e-5\n  batch_size: 16\n  gradient_accumulation_steps: 4\n  max_steps: 10000\n",
    "logging:\n  report_to: wandb\n  logging_steps: 10\n  save_strategy: steps\n",
    "services:\n  api:\n    image: ghcr.io/acme/inference:1.4.2\n    environment:\n      - HF_TOKEN=${HF_TOKEN}\n      - LOG_LEVEL=info\n",
    "  auth:\n    enabled: true\n    provider: oidc\n    token_ttl: 3600\n",
];

const MARKDOWN: &[&str] = &[
    "## Training\n\nRun `python train.py --config configs/base.yaml`. Set the `HF_TOKEN` environment variable to a token with read access.\n\n",
    "The evaluation harness reports exact match and F1 on the held-out split; see the table below.\n\n| model | EM | F1 |\n|---|---|---|\n| base | 71.2 | 80.4 |\n\n",
    "> **Note**: API keys are read from the environment; never commit them. See `docs/security.md`.\n\n",
];

fn secret(rng: &mut Rng) -> String {
    rng.1 += 1;
    match rng.below(8) {
        0 => format!("HF_TOKEN = \"hf_{}\"\n", rng.chars(LETTERS, 34)),
        1 => format!(
            "OPENAI_API_KEY = \"sk-proj-{}T3BlbkFJ{}\"\n",
            rng.chars(ALNUM, 40),
            rng.chars(ALNUM, 40)
        ),
        2 => format!(
            "aws_access_key_id = AKIA{}\n",
            rng.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        3 => format!("GITHUB_TOKEN=ghp_{}\n", rng.chars(ALNUM, 36)),
        4 => format!("wandb.login(key=\"{}\")\n", rng.chars(HEX, 40)),
        5 => format!(
            "DATABASE_URL=postgresql://ml:{}@db.internal:5432/features\n",
            rng.chars(ALNUM, 18)
        ),
        6 => format!("client = Groq(api_key=\"gsk_{}\")\n", rng.chars(ALNUM, 52)),
        _ => format!("internal_service_token = \"{}\"\n", rng.chars(ALNUM, 32)),
    }
}

fn python_file(rng: &mut Rng, size: usize) -> String {
    let mut out = String::with_capacity(size + 256);
    while out.len() < size {
        out.push_str(rng.pick(CODE));
        if rng.below(400) == 0 {
            out.push_str(&secret(rng));
        }
    }
    out
}

fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn notebook(rng: &mut Rng, size: usize) -> String {
    let mut out = String::from("{\n \"cells\": [\n");
    let mut first = true;
    while out.len() < size {
        if !first {
            out.push_str(",\n");
        }
        first = false;
        out.push_str("  {\n   \"cell_type\": \"code\",\n   \"execution_count\": 3,\n   \"metadata\": {},\n   \"source\": [\n");
        let lines = python_file(rng, 600);
        let parts: Vec<&str> = lines.split_inclusive('\n').collect();
        for (i, line) in parts.iter().enumerate() {
            let sep = if i + 1 == parts.len() { "" } else { "," };
            let _ = writeln!(out, "    \"{}\"{sep}", json_escape(line));
        }
        out.push_str("   ],\n   \"outputs\": [\n");
        if rng.below(6) == 0 {
            let _ = write!(
                out,
                "    {{\n     \"data\": {{\n      \"image/png\": \"{}\",\n      \"text/plain\": [\"<Figure size 640x480 with 1 Axes>\"]\n     }},\n     \"metadata\": {{}},\n     \"output_type\": \"display_data\"\n    }}\n",
                rng.chars(B64, 6000)
            );
        } else {
            let _ = write!(
                out,
                "    {{\n     \"name\": \"stdout\",\n     \"output_type\": \"stream\",\n     \"text\": [\n      \"epoch 1 step 100 loss 2.3012 lr 1.99e-05\\n\",\n      \"wandb: View run at https://wandb.ai/acme/llm/runs/{}\\n\"\n     ]\n    }}\n",
                rng.chars(b"abcdefghijklmnopqrstuvwxyz0123456789", 8)
            );
        }
        out.push_str("   ]\n  }");
    }
    out.push_str("\n ],\n \"metadata\": {\"kernelspec\": {\"name\": \"python3\"}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n");
    out
}

fn config(rng: &mut Rng, size: usize) -> String {
    let mut out = String::with_capacity(size + 256);
    while out.len() < size {
        out.push_str(rng.pick(YAML));
        if rng.below(150) == 0 {
            out.push_str(&secret(rng));
        }
    }
    out
}

fn markdown(rng: &mut Rng, size: usize) -> String {
    let mut out = String::with_capacity(size + 256);
    while out.len() < size {
        out.push_str(rng.pick(MARKDOWN));
    }
    out
}

/// The corpus: (file name, contents) and the number of planted secrets.
fn corpus(total: usize) -> (Vec<(String, String)>, usize) {
    let mut rng = Rng(0x5EC2_E75E_C2E7_5EC2, 0);
    let mut files = Vec::new();
    let mut size = 0usize;
    let mut n = 0usize;
    while size < total {
        let jitter = rng.below(1000);
        let (name, text) = match n % 4 {
            0 => (
                format!("src/module_{n}.py"),
                python_file(&mut rng, 20_000 + jitter * 40),
            ),
            1 => (
                format!("notebooks/analysis_{n}.ipynb"),
                notebook(&mut rng, 60_000 + jitter * 120),
            ),
            2 => (
                format!("configs/run_{n}.yaml"),
                config(&mut rng, 3_000 + jitter * 6),
            ),
            _ => (
                format!("docs/page_{n}.md"),
                markdown(&mut rng, 5_000 + jitter * 10),
            ),
        };
        size += text.len();
        files.push((name, text));
        n += 1;
    }
    (files, rng.1)
}

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`), so the number is not
/// inflated when the machine is shared; `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let megabytes: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(64);
    let (files, planted) = corpus(megabytes << 20);
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
    {
        for (name, text) in &files {
            let path = std::path::Path::new(dir).join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        eprintln!("wrote {} files to {dir}", files.len());
    }
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    // Warm up (rule compilation happens once, on first use).
    let started = Instant::now();
    let _ = mlsecops_secrets::scan(b"warm up");
    let compile = started.elapsed();
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut matches = 0usize;
    for _ in 0..5 {
        let started = Instant::now();
        let cpu = thread_cpu_ns();
        matches = files
            .iter()
            .map(|(_, t)| mlsecops_secrets::scan(t.as_bytes()).len())
            .sum();
        best = best.min(started.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu, thread_cpu_ns()) {
            #[allow(clippy::cast_precision_loss)]
            let secs = b.saturating_sub(a) as f64 / 1e9;
            best_cpu = best_cpu.min(secs);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    println!(
        "rules: {} detectors, compiled in {:.1} ms",
        mlsecops_secrets::builtin().detectors().len(),
        compile.as_secs_f64() * 1e3
    );
    println!(
        "corpus: {} files, {mb:.1} MB; planted secrets: {planted}, matches: {matches}; best of 5: {best:.3} s wall = {:.0} MB/s (1 thread)",
        files.len(),
        mb / best
    );
    if best_cpu < f64::MAX {
        println!(
            "thread CPU time: best {best_cpu:.3} s = {:.0} MB/s per core",
            mb / best_cpu
        );
    }
    Ok(())
}
