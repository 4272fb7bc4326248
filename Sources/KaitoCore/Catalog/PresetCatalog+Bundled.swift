extension PresetCatalog {
    /// Kaito v0.3.1's 17 registered presets (`presets/models/*/model.go` at tag v0.3.1), in registry order, in
    /// this catalog's own JSON shape; decoded once into ``v0_3_1``.
    ///
    /// Facts kept verbatim from v0.3.1, quirks included:
    /// - falcon-40b and falcon-40b-instruct ask for a disk of `"400"`: no unit, so 400 bytes (a fixed catalog would
    ///   say `400Gi`; v0.4.0 still says `"400"`).
    /// - The tuning accelerate map is absent for mistral, phi-2 and phi-3 (Go `nil`), present for falcon.
    /// - Llama 2 images are private, so their image tag is empty (the `0.0.3` of supported_models.yaml is only
    ///   used to build images) and they have no pinned Hugging Face revision.
    /// - `worldSize` 0 means unset (only the torchrun-based Llama 2 presets use it).
    /// The Hugging Face revision URLs come from supported_models.yaml and are longer than a source line.
    static let bundledJSON = #"""
        {
            "models": [
                {
                    "name": "falcon-7b",
                    "family": "Falcon",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-falcon-7b",
                    "imageTag": "0.0.6",
                    "huggingFaceRevision": "https://huggingface.co/tiiuae/falcon-7b/commit/898df1396f35e447d5fe44e0a3ccaaaa69f30d36",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "bfloat16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "14Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "16Gi",
                        "perGPUMemoryRequirement": "16Gi",
                        "tuningPerGPUMemoryRequirement": {"qlora": 16}
                    }
                },
                {
                    "name": "falcon-7b-instruct",
                    "family": "Falcon",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-falcon-7b-instruct",
                    "imageTag": "0.0.6",
                    "huggingFaceRevision": "https://huggingface.co/tiiuae/falcon-7b-instruct/commit/cf4b3c42ce2fdfe24f753f0f0d179202fea59c99",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "bfloat16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "14Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    }
                },
                {
                    "name": "falcon-40b",
                    "family": "Falcon",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-falcon-40b",
                    "imageTag": "0.0.7",
                    "huggingFaceRevision": "https://huggingface.co/tiiuae/falcon-40b/commit/4a70170c215b36a3cce4b4253f6d0612bb7d4146",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "bfloat16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "400",
                        "gpuCountRequirement": 2,
                        "totalGPUMemoryRequirement": "90Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 2,
                        "totalGPUMemoryRequirement": "90Gi",
                        "perGPUMemoryRequirement": "16Gi"
                    }
                },
                {
                    "name": "falcon-40b-instruct",
                    "family": "Falcon",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-falcon-40b-instruct",
                    "imageTag": "0.0.7",
                    "huggingFaceRevision": "https://huggingface.co/tiiuae/falcon-40b-instruct/commit/ecb78d97ac356d098e79f0db222c9ce7c5d9ee5f",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "bfloat16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "400",
                        "gpuCountRequirement": 2,
                        "totalGPUMemoryRequirement": "90Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    }
                },
                {
                    "name": "llama-2-7b",
                    "family": "LLaMa2",
                    "runtime": "llama-2",
                    "modelType": "llama2-completion",
                    "accessMode": "private",
                    "imageName": "kaito-llama-2-7b",
                    "imageTag": "",
                    "worldSize": 1,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "cd /workspace/llama/llama-2 && torchrun",
                        "launcherParameters": {
                            "nnodes": "1",
                            "nproc_per_node": "1",
                            "node_rank": "0",
                            "master_addr": "localhost",
                            "master_port": "29500"
                        },
                        "rendezvousParameters": {
                            "max_restarts": "3",
                            "rdzv_id": "rdzv_id",
                            "rdzv_backend": "c10d",
                            "rdzv_endpoint": "localhost:29500"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"max_seq_len": "512", "max_batch_size": "8"},
                        "readinessTimeoutSeconds": 600,
                        "diskStorageRequirement": "34Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "14Gi",
                        "perGPUMemoryRequirement": "14Gi"
                    }
                },
                {
                    "name": "llama-2-13b",
                    "family": "LLaMa2",
                    "runtime": "llama-2",
                    "modelType": "llama2-completion",
                    "accessMode": "private",
                    "imageName": "kaito-llama-2-13b",
                    "imageTag": "",
                    "worldSize": 2,
                    "supportsDistributedInference": true,
                    "inference": {
                        "baseCommand": "cd /workspace/llama/llama-2 && torchrun",
                        "launcherParameters": {
                            "nnodes": "1",
                            "nproc_per_node": "1",
                            "node_rank": "0",
                            "master_addr": "localhost",
                            "master_port": "29500"
                        },
                        "rendezvousParameters": {
                            "max_restarts": "3",
                            "rdzv_id": "rdzv_id",
                            "rdzv_backend": "c10d",
                            "rdzv_endpoint": "localhost:29500"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"max_seq_len": "512", "max_batch_size": "8"},
                        "readinessTimeoutSeconds": 1200,
                        "diskStorageRequirement": "46Gi",
                        "gpuCountRequirement": 2,
                        "totalGPUMemoryRequirement": "30Gi",
                        "perGPUMemoryRequirement": "15Gi"
                    }
                },
                {
                    "name": "llama-2-70b",
                    "family": "LLaMa2",
                    "runtime": "llama-2",
                    "modelType": "llama2-completion",
                    "accessMode": "private",
                    "imageName": "kaito-llama-2-70b",
                    "imageTag": "",
                    "worldSize": 8,
                    "supportsDistributedInference": true,
                    "inference": {
                        "baseCommand": "cd /workspace/llama/llama-2 && torchrun",
                        "launcherParameters": {
                            "nnodes": "1",
                            "nproc_per_node": "1",
                            "node_rank": "0",
                            "master_addr": "localhost",
                            "master_port": "29500"
                        },
                        "rendezvousParameters": {
                            "max_restarts": "3",
                            "rdzv_id": "rdzv_id",
                            "rdzv_backend": "c10d",
                            "rdzv_endpoint": "localhost:29500"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"max_seq_len": "512", "max_batch_size": "8"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "158Gi",
                        "gpuCountRequirement": 8,
                        "totalGPUMemoryRequirement": "152Gi",
                        "perGPUMemoryRequirement": "19Gi"
                    }
                },
                {
                    "name": "llama-2-7b-chat",
                    "family": "LLaMa2",
                    "runtime": "llama-2",
                    "modelType": "llama2-chat",
                    "accessMode": "private",
                    "imageName": "kaito-llama-2-7b-chat",
                    "imageTag": "",
                    "worldSize": 1,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "cd /workspace/llama/llama-2 && torchrun",
                        "launcherParameters": {
                            "nnodes": "1",
                            "nproc_per_node": "1",
                            "node_rank": "0",
                            "master_addr": "localhost",
                            "master_port": "29500"
                        },
                        "rendezvousParameters": {
                            "max_restarts": "3",
                            "rdzv_id": "rdzv_id",
                            "rdzv_backend": "c10d",
                            "rdzv_endpoint": "localhost:29500"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"max_seq_len": "512", "max_batch_size": "8"},
                        "readinessTimeoutSeconds": 600,
                        "diskStorageRequirement": "34Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "16Gi",
                        "perGPUMemoryRequirement": "14Gi"
                    }
                },
                {
                    "name": "llama-2-13b-chat",
                    "family": "LLaMa2",
                    "runtime": "llama-2",
                    "modelType": "llama2-chat",
                    "accessMode": "private",
                    "imageName": "kaito-llama-2-13b-chat",
                    "imageTag": "",
                    "worldSize": 2,
                    "supportsDistributedInference": true,
                    "inference": {
                        "baseCommand": "cd /workspace/llama/llama-2 && torchrun",
                        "launcherParameters": {
                            "nnodes": "1",
                            "nproc_per_node": "1",
                            "node_rank": "0",
                            "master_addr": "localhost",
                            "master_port": "29500"
                        },
                        "rendezvousParameters": {
                            "max_restarts": "3",
                            "rdzv_id": "rdzv_id",
                            "rdzv_backend": "c10d",
                            "rdzv_endpoint": "localhost:29500"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"max_seq_len": "512", "max_batch_size": "8"},
                        "readinessTimeoutSeconds": 1200,
                        "diskStorageRequirement": "46Gi",
                        "gpuCountRequirement": 2,
                        "totalGPUMemoryRequirement": "30Gi",
                        "perGPUMemoryRequirement": "15Gi"
                    }
                },
                {
                    "name": "llama-2-70b-chat",
                    "family": "LLaMa2",
                    "runtime": "llama-2",
                    "modelType": "llama2-chat",
                    "accessMode": "private",
                    "imageName": "kaito-llama-2-70b-chat",
                    "imageTag": "",
                    "worldSize": 8,
                    "supportsDistributedInference": true,
                    "inference": {
                        "baseCommand": "cd /workspace/llama/llama-2 && torchrun",
                        "launcherParameters": {
                            "nnodes": "1",
                            "nproc_per_node": "1",
                            "node_rank": "0",
                            "master_addr": "localhost",
                            "master_port": "29500"
                        },
                        "rendezvousParameters": {
                            "max_restarts": "3",
                            "rdzv_id": "rdzv_id",
                            "rdzv_backend": "c10d",
                            "rdzv_endpoint": "localhost:29500"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"max_seq_len": "512", "max_batch_size": "8"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "158Gi",
                        "gpuCountRequirement": 8,
                        "totalGPUMemoryRequirement": "192Gi",
                        "perGPUMemoryRequirement": "19Gi"
                    }
                },
                {
                    "name": "mistral-7b",
                    "family": "Mistral",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-mistral-7b",
                    "imageTag": "0.0.7",
                    "huggingFaceRevision": "https://huggingface.co/mistralai/Mistral-7B-v0.3/commit/c882233d224d27b727b3d9299b12a9aab9dda6f7",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "bfloat16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "100Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "14Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "100Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "16Gi",
                        "perGPUMemoryRequirement": "16Gi"
                    }
                },
                {
                    "name": "mistral-7b-instruct",
                    "family": "Mistral",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-mistral-7b-instruct",
                    "imageTag": "0.0.7",
                    "huggingFaceRevision": "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3/commit/0417f4babd26db0b5ed07c1d0bc85658ab526ea3",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "bfloat16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "100Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "16Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    }
                },
                {
                    "name": "phi-2",
                    "family": "Phi",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-phi-2",
                    "imageTag": "0.0.5",
                    "huggingFaceRevision": "https://huggingface.co/microsoft/phi-2/commit/b10c3eba545ad279e7208ee3a5d644566f001670",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {"torch_dtype": "float16", "pipeline": "text-generation"},
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "12Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "16Gi",
                        "perGPUMemoryRequirement": "16Gi"
                    }
                },
                {
                    "name": "phi-3-mini-4k-instruct",
                    "family": "Phi3",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-phi-3-mini-4k-instruct",
                    "imageTag": "0.0.2",
                    "huggingFaceRevision": "https://huggingface.co/microsoft/Phi-3-mini-4k-instruct/commit/d269012bea6fbe38ce7752c8940fea010eea3383",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {
                            "torch_dtype": "auto",
                            "pipeline": "text-generation",
                            "trust_remote_code": ""
                        },
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "9Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "72Gi",
                        "perGPUMemoryRequirement": "72Gi"
                    }
                },
                {
                    "name": "phi-3-mini-128k-instruct",
                    "family": "Phi3",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-phi-3-mini-128k-instruct",
                    "imageTag": "0.0.2",
                    "huggingFaceRevision": "https://huggingface.co/microsoft/Phi-3-mini-128k-instruct/commit/5be6479b4bc06a081e8f4c6ece294241ccd32dec",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {
                            "torch_dtype": "auto",
                            "pipeline": "text-generation",
                            "trust_remote_code": ""
                        },
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "9Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "72Gi",
                        "perGPUMemoryRequirement": "72Gi"
                    }
                },
                {
                    "name": "phi-3-medium-4k-instruct",
                    "family": "Phi3",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-phi-3-medium-4k-instruct",
                    "imageTag": "0.0.2",
                    "huggingFaceRevision": "https://huggingface.co/microsoft/Phi-3-medium-4k-instruct/commit/d194e4e74ffad5a5e193e26af25bcfc80c7f1ffc",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {
                            "torch_dtype": "auto",
                            "pipeline": "text-generation",
                            "trust_remote_code": ""
                        },
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "28Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "80Gi",
                        "perGPUMemoryRequirement": "80Gi"
                    }
                },
                {
                    "name": "phi-3-medium-128k-instruct",
                    "family": "Phi3",
                    "runtime": "tfs",
                    "modelType": "text-generation",
                    "accessMode": "public",
                    "imageName": "kaito-phi-3-medium-128k-instruct",
                    "imageTag": "0.0.2",
                    "huggingFaceRevision": "https://huggingface.co/microsoft/Phi-3-medium-128k-instruct/commit/cae1d42b5577398fd1be9f0746052562ae552886",
                    "worldSize": 0,
                    "supportsDistributedInference": false,
                    "inference": {
                        "baseCommand": "accelerate launch",
                        "launcherParameters": {
                            "num_processes": "1",
                            "num_machines": "1",
                            "machine_rank": "0",
                            "gpu_ids": "all"
                        },
                        "entryFile": "inference_api.py",
                        "modelRunParameters": {
                            "torch_dtype": "auto",
                            "pipeline": "text-generation",
                            "trust_remote_code": ""
                        },
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "28Gi",
                        "perGPUMemoryRequirement": "0Gi"
                    },
                    "tuning": {
                        "baseCommand": "python3 metrics_server.py & accelerate launch",
                        "entryFile": "fine_tuning.py",
                        "readinessTimeoutSeconds": 1800,
                        "diskStorageRequirement": "50Gi",
                        "gpuCountRequirement": 1,
                        "totalGPUMemoryRequirement": "80Gi",
                        "perGPUMemoryRequirement": "80Gi"
                    }
                }
            ]
        }
        """#
}
