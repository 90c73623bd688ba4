"""Regenerates the table of docs/errors.md: run in an empty scratch folder,
`python3 /path/to/repo/scripts/errors_table.py > table.md` (BINARYLLM= the binary to run;
default target/debug/binaryllm). Every row runs the real binary on a file it writes."""
import struct, subprocess, os, zlib, sys
R=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B=os.environ.get("BINARYLLM", R + "/target/debug/binaryllm")

def npy(descr, shape, data):
    shape_s = f"({shape[0]},)" if len(shape)==1 else "("+", ".join(map(str,shape))+")"
    h=f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}"
    h+=" "*((-(10+len(h)+1))%64)+"\n"
    return b"\x93NUMPY\x01\x00"+struct.pack("<H",len(h))+h.encode()+data
import random
random.seed(1)
def unit(n,d):
    out=[]
    for _ in range(n):
        r=[random.uniform(-1,1) for _ in range(d)]; s=sum(x*x for x in r)**.5; out+= [x/s for x in r]
    return out
open("base.npy","wb").write(npy("<f4",[60,16],struct.pack("<960f",*unit(60,16))))
open("queries.npy","wb").write(npy("<f4",[8,16],struct.pack("<128f",*unit(8,16))))
open("ql.npy","wb").write(npy("<i4",[8],struct.pack("<8i",*[i%3 for i in range(8)])))
cases=[]
def ev(name, base="base.npy", q="queries.npy", extra=[]):
    cases.append((name, [B,"eval","--base",base,"--queries",q,"--out","runs/r","--bits","64","--seeds","0","--projection","gaussian","--quiet"]+extra))
open("nope_dir","w")
ev("missing file", base="nope.npy")
open("text.npy","w").write("this is not numpy\n"); ev("not an .npy", base="text.npy")
b=open("base.npy","rb").read(); open("trunc.npy","wb").write(b[:-100]); ev("truncated .npy", base="trunc.npy")
open("ints.npy","wb").write(npy("<i4",[60,16],b"\0"*3840)); ev("wrong dtype", base="ints.npy")
open("fortran.npy","wb").write(b.replace(b"'fortran_order': False",b"'fortran_order': True ")); ev("Fortran order", base="fortran.npy")
v=list(struct.unpack("<960f",b[128:])); v[5*16+3]=float("nan"); open("nan.npy","wb").write(npy("<f4",[60,16],struct.pack("<960f",*v))); ev("NaN row", base="nan.npy")
v[5*16+3]=float("inf"); open("inf.npy","wb").write(npy("<f4",[60,16],struct.pack("<960f",*v))); ev("Inf row", base="inf.npy")
open("empty.npy","wb").write(npy("<f4",[0,16],b"")); ev("zero rows", q="empty.npy")
v=list(struct.unpack("<960f",b[128:])); open("scaled.npy","wb").write(npy("<f4",[60,16],struct.pack("<960f",*[x*1.01 for x in v]))); ev("norm off under require", base="scaled.npy")
open("q12.npy","wb").write(npy("<f4",[8,12],struct.pack("<96f",*unit(8,12)))); ev("base/query dimension mismatch", q="q12.npy")
open("l59.npy","wb").write(npy("<i4",[59],b"\0"*236)); ev("labels of the wrong length", extra=["--base-labels","l59.npy","--query-labels","ql.npy"])
ev("k = 0", extra=["--k","0"])
ev("k > N (warning, exit 0)", extra=["--k","70","--force"])
cases.append(("bits = 0", [B,"eval","--base","base.npy","--queries","queries.npy","--out","runs/r","--bits","0","--quiet"]))
cases.append(("bits above the maximum", [B,"eval","--base","base.npy","--queries","queries.npy","--out","runs/r","--bits","65537","--quiet"]))
tail='\n[dataset]\nbase = "base.npy"\nqueries = "queries.npy"\n\n[[projection]]\nkind = "gaussian"\n'
def cfg(name, text):
    fn=name.replace(" ","_").replace("/","")+".toml"; open(fn,"w").write(text)
    cases.append((name, [B,"eval","--config",fn,"--out","runs/r","--quiet"]))
head='name = "t"\nbits = [64]\nseeds = [0]\n'
cfg("unknown config key", head+tail+"\n[metrics]\nk = 10\nrecal_k = [1]\n")
cfg("wrong type in config", head+tail+'\n[metrics]\nk = "ten"\n')
cfg("unknown projection kind", head+tail+'\n[[projection]]\nkind = "spherical"\n')
cfg("empty bits list", 'name = "t"\nbits = []\nseeds = [0]\n'+tail)
cfg("empty recall_k list", head+tail+"\n[metrics]\nrecall_k = []\n")
cfg("duplicate seeds", 'name = "t"\nbits = [64]\nseeds = [3, 1, 3]\n'+tail)
cases.append(("duplicate seeds (command line)", [B,"eval","--base","base.npy","--queries","queries.npy","--out","runs/r","--seeds","2,2","--quiet"]))
open("afile","w").write("")
cases.append(("unwritable out dir", [B,"eval","--base","base.npy","--queries","queries.npy","--out","afile/run","--quiet"]))
open("huge.npy","wb").write(npy("<f4",[1000000,1000000],b"\0"*64)); ev("header claiming a huge shape", base="huge.npy")
open("overflow.npy","wb").write(npy("<f8",[2**40,2**40],b"\0"*64)); ev("header whose byte count overflows", base="overflow.npy")
open("shorthead.npy","wb").write(b[:60]); ev("header longer than the file", base="shorthead.npy")
h=[]
for i,x in enumerate(struct.unpack("<960f",b[128:])):
    h.append(0x7E00 if i==7*16+2 else struct.unpack("<H",struct.pack("<e",x))[0])
open("nan16.npy","wb").write(npy("<f2",[60,16],struct.pack("<960H",*h))); ev("float16 NaN", base="nan16.npy", extra=["--normalization","l2"])
h=[ (0x0001 if (i//16)%2==0 else 0x83FF) if i%16==0 else struct.unpack("<H",struct.pack("<e",x))[0] for i,x in enumerate(struct.unpack("<960f",b[128:]))]
open("sub16.npy","wb").write(npy("<f2",[60,16],struct.pack("<960H",*h))); ev("float16 subnormals (accepted, exit 0)", base="sub16.npy", extra=["--normalization","l2","--force"])
l=[i%3 for i in range(60)]; l[11]=-1; open("neg.npy","wb").write(npy("<i4",[60],struct.pack("<60i",*l))); ev("negative label", extra=["--base-labels","neg.npy","--query-labels","ql.npy"])
l=[i%3 for i in range(60)]; l[4]=1<<63; open("big.npy","wb").write(npy("<u8",[60],struct.pack("<60Q",*l))); ev("label beyond int64", extra=["--base-labels","big.npy","--query-labels","ql.npy"])
l=[i%3 for i in range(60)]; l[17]=3; open("label3.npy","wb").write(npy("<i4",[60],struct.pack("<60i",*l)))
lt='\n[dataset]\nbase = "base.npy"\nqueries = "queries.npy"\nbase_labels = "label3.npy"\nquery_labels = "ql.npy"\nlabel_names = %s\n\n[[projection]]\nkind = "gaussian"\n'
cfg("label beyond the class names", head+lt % '["a", "b", "c"]')
cfg("empty class-name list", head+lt % '[]')
# firmware
cap=open(R+"/host/tests/data/firmware-qemu-m4f-v2.cobs","rb").read()
def cobs_decode(src):
    out,i=bytearray(),0
    while i<len(src):
        c=src[i]; out+=src[i+1:i+c]; i+=c
        if c!=0xFF and i<len(src): out.append(0)
    return bytes(out)
def cobs_encode(src):
    out=bytearray(); segs=src.split(b"\0")
    for si,seg in enumerate(segs):
        last=si==len(segs)-1; rest=seg
        while len(rest)>=254: out+=b"\xff"+rest[:254]; rest=rest[254:]
        if not (last and not rest and seg): out+=bytes([len(rest)+1])+rest
    return bytes(out)
def frame(p): return cobs_encode(p+struct.pack("<I",zlib.crc32(p)))+b"\0"
pl=cobs_decode(cap.rstrip(b"\0"))[:-4]
def fw(name, fn, data):
    open(fn,"wb").write(data); cases.append((name,[B,"firmware","decode","--input",fn,"--out","fw"]))
fw("report frame: empty capture","empty.cobs",b"")
fw("report frame: truncated","cut.cobs",cap[:200])
fw("report frame: oversized (9000 extra payload bytes)","big.cobs",frame(pl+b"\x5a"*9000))
fw("report frame: another version","v2.cobs",frame(b"\x02"+pl[1:]))
fw("report frame: CRC mismatch","crc.cobs",frame(pl)[:-3]+bytes([frame(pl)[-3]^1 or 1])+frame(pl)[-2:])
os.makedirs("bin",exist_ok=True); open("bin/qemu-system-arm","w").write("#!/bin/sh\necho fake qemu hanging\nexec sleep 60\n"); os.chmod("bin/qemu-system-arm",0o755)
open("fw.elf","wb").write(b"\x7fELF")
cases.append(("QEMU hangs (fake qemu-system-arm on PATH)",["env","PATH=" + os.getcwd() + "/bin:"+os.environ["PATH"],B,"firmware","run","--elf","fw.elf","--timeout","1","--out","fwrun"]))
cases.append(("unknown BINARYLLM_KERNEL",["env","BINARYLLM_KERNEL=avx9000",B,"eval","--base","base.npy","--queries","queries.npy","--out","runs/r2","--quiet"]))
# outputs (README, "Outputs: --force and markers"): existing outputs, --force on what binaryllm did not write
open("W.npy","wb").write(b)
subprocess.run([B,"encode","--input","base.npy","--bits","64","--out","codes.npy"],check=True,capture_output=True)
for d in ["hits","dir"]:
    os.makedirs(d,exist_ok=True); open(d+"/mine.txt","w").write("mine\n")
open("c2.npy.json","w").write('{"mine": 1}\n')
enc=[B,"encode","--input","base.npy","--bits","64","--out"]
cases.append(("existing output file", enc+["W.npy"]))
cases.append(("existing output directory", [B,"search","--codes","codes.npy","--queries","queries.npy","--k","5","--out","hits"]))
cases.append(("--force onto a file binaryllm did not write", enc+["W.npy","--force"]))
cases.append(("--force onto a directory that holds no run", [B,"eval","--base","base.npy","--queries","queries.npy","--out","dir","--force","--quiet"]))
cases.append(("--force where the sidecar path is not binaryllm's", enc+["c2.npy","--force"]))
cases.append(("a device as the output", enc+["/dev/null","--force"]))
cases.append(("search --base of the wrong shape", [B,"search","--codes","codes.npy","--queries","queries.npy","--k","5","--base","q12.npy","--rerank","50","--out","hits2"]))
# issue 13: the ground-truth spot-check, unreachable verdicts, metrics skipped for lack of input
bv=struct.unpack("<960f",b[128:]); qv=struct.unpack("<128f",open("queries.npy","rb").read()[128:])
def topk(q):
    sc=[(sum(qv[q*16+j]*bv[i*16+j] for j in range(16)), i) for i in range(60)]
    sc.sort(key=lambda t:(-t[0],t[1])); return [i for _,i in sc]
rev=[i for q in range(8) for i in topk(q)[::-1]]
open("gt.npy","wb").write(npy("<i8",[8,60],struct.pack("<480q",*rev)))
ev("ground truth disagreeing with an exact search", extra=["--gt","gt.npy"])
ev("ground truth disagreeing, --trust-gt (accepted, exit 0)", extra=["--gt","gt.npy","--trust-gt"])
cfg("ground truth disagreeing (config)", head+tail.replace('queries = "queries.npy"\n','queries = "queries.npy"\ngt = "gt.npy"\n'))
sweep=[B,"eval","--base","base.npy","--queries","queries.npy","--out","runs/r","--bits","64,256","--seeds","0,1","--projection","gaussian","--quiet"]
cases.append(("no criterion can be evaluated (notice, exit 0)", sweep))
cases.append(("no criterion can be evaluated, --strict", sweep+["--strict"]))
cfg("criterion bits neither a width nor max", head+tail+'\n[[h1.criteria]]\nmetric = "recall@10"\nbits = "widest"\nprojection = "gaussian"\ncomparison = ">="\nthreshold = 0.5\n')
open("bl.npy","wb").write(npy("<i4",[60],struct.pack("<60i",*[i%3 for i in range(60)])))
ev("base labels without query labels (warning, exit 0)", extra=["--base-labels","bl.npy"])
ev("query labels without base labels (warning, exit 0)", extra=["--query-labels","ql.npy"])
ev("no labels (warning, exit 0)")
cfg("base_labels without query_labels in a config (warning, exit 0)", head+tail.replace('queries = "queries.npy"\n','queries = "queries.npy"\nbase_labels = "bl.npy"\n'))
cfg("too few pairs for any calibration bin (warning, exit 0)", head+tail+"\n[metrics]\npair_sample = 500\ncalibration_min_pairs = 1000\n")
import shutil
for name,cmd in cases:
    for d in ["runs","fw","fwrun"]: shutil.rmtree(d, ignore_errors=True)
    p=subprocess.run(cmd,capture_output=True,text=True)
    err=p.stderr.strip().replace("\n"," ⏎ ")
    warn=[l for l in p.stderr.splitlines() if "warning" in l or l.startswith("error:")]
    shown = " ".join(warn) if p.returncode==0 else err
    shown=shown.replace("|","\\|")
    print(f"| {name} | {p.returncode} | `{shown}` |")
